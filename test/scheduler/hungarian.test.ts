import t from 'tap';
import fc from 'fast-check';
import { maxWeightAssignment } from '../../gateway/scheduler/hungarian.ts';

type W = (number | null)[][];

/** Every partial matching, by recursion over rows: the lexicographic best (matched, total). */
function bruteForce(w: W): { matched: number; total: number } {
  const cols = w[0]?.length ?? 0;
  const used = new Array<boolean>(cols).fill(false);
  let best = { matched: 0, total: 0 };
  const go = (i: number, matched: number, total: number) => {
    if (i === w.length) {
      if (matched > best.matched || (matched === best.matched && total > best.total + 1e-12)) best = { matched, total };
      return;
    }
    go(i + 1, matched, total);
    for (let j = 0; j < cols; j++) {
      const x = w[i]![j];
      if (used[j] || x === null || x === undefined) continue;
      used[j] = true;
      go(i + 1, matched + 1, total + x);
      used[j] = false;
    }
  };
  go(0, 0, 0);
  return best;
}

function checkConsistent(w: W, r: ReturnType<typeof maxWeightAssignment>): boolean {
  let total = 0;
  let matched = 0;
  const seen = new Set<number>();
  for (let i = 0; i < w.length; i++) {
    const j = r.rowToCol[i]!;
    if (j === -1) continue;
    if (seen.has(j) || w[i]![j] === null || r.colToRow[j] !== i) return false;
    seen.add(j);
    matched++;
    total += w[i]![j]!;
  }
  return matched === r.matched && Math.abs(total - r.total) < 1e-9;
}

const instance = (maxRows: number, maxCols: number, pNull: number) =>
  fc.integer({ min: 0, max: maxRows }).chain((rows) =>
    fc.integer({ min: 1, max: maxCols }).chain((cols) =>
      fc.array(
        fc.array(fc.oneof({ weight: Math.round(pNull * 100), arbitrary: fc.constant(null) }, { weight: 100 - Math.round(pNull * 100), arbitrary: fc.double({ min: -1, max: 1, noNaN: true }) }), { minLength: cols, maxLength: cols }),
        { minLength: rows, maxLength: rows },
      ),
    ),
  );

t.test('small known problems', async (t) => {
  const a = maxWeightAssignment([[0.9, null], [0.4, 0.8]]);
  t.same([...a.rowToCol], [0, 1]);
  t.equal(a.matched, 2);
  t.ok(Math.abs(a.total - 1.7) < 1e-12);
  // greedy would take the 10 and leave a row unmatched; the optimum fills both
  const b = maxWeightAssignment([[10, 1], [9, null]]);
  t.same([...b.rowToCol], [1, 0], 'cardinality first: 1 + 9, not 10 alone');
  t.same([...maxWeightAssignment([]).rowToCol], []);
  t.equal(maxWeightAssignment([[null, null], [null, null]]).matched, 0, 'nothing allowed: nothing matched');
  const wide = maxWeightAssignment([[0.1, 0.5, 0.3]]);
  t.same([...wide.rowToCol], [1]);
  t.same([...wide.colToRow], [-1, 0, -1]);
  const tall = maxWeightAssignment([[0.1], [0.7], [0.3]]);
  t.same([...tall.rowToCol], [-1, 0, -1]);
  t.throws(() => maxWeightAssignment([[1, 2], [3]]), RangeError);
  t.throws(() => maxWeightAssignment([[NaN]]), RangeError);
});

t.test('property: optimal against brute force (square, rectangular, infeasible pairs)', async (t) => {
  fc.assert(
    fc.property(instance(6, 6, 0.3), (w) => {
      const r = maxWeightAssignment(w);
      const b = bruteForce(w);
      return checkConsistent(w, r) && r.matched === b.matched && Math.abs(r.total - b.total) < 1e-9;
    }),
    { numRuns: 1500, seed: 42 },
  );
  t.pass('1500 random instances up to 6 x 6');
});

t.test('property: mostly infeasible instances (sparse skills) and integer ties', async (t) => {
  fc.assert(
    fc.property(instance(5, 7, 0.75), (w) => {
      const r = maxWeightAssignment(w);
      const b = bruteForce(w);
      return checkConsistent(w, r) && r.matched === b.matched && Math.abs(r.total - b.total) < 1e-9;
    }),
    { numRuns: 1000, seed: 7 },
  );
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 6 }).chain((n) => fc.array(fc.array(fc.oneof(fc.constant(null), fc.integer({ min: 0, max: 3 })), { minLength: n, maxLength: n }), { minLength: n, maxLength: n })),
      (w) => {
        const r = maxWeightAssignment(w);
        const b = bruteForce(w);
        return checkConsistent(w, r) && r.matched === b.matched && Math.abs(r.total - b.total) < 1e-9;
      },
    ),
    { numRuns: 1000, seed: 9 },
  );
  t.pass('sparse and tied instances');
});

t.test('a larger problem stays exact: a planted optimum on a 60 x 60 instance', async (t) => {
  // a permutation with weight 1 per pair, everything else below 0.5: the permutation is the unique optimum
  const n = 60;
  const perm = Array.from({ length: n }, (_, i) => (i * 37 + 11) % n);
  let seed = 5;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const w: W = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (j === perm[i] ? 1 : rnd() < 0.2 ? null : rnd() * 0.5)));
  const r = maxWeightAssignment(w);
  t.same([...r.rowToCol], perm);
  t.equal(r.total, n);
});
