/**
 * Optimal assignment (the Hungarian method: H. W. Kuhn, "The Hungarian method for the
 * assignment problem", Naval Research Logistics Quarterly 2, 1955; J. Munkres, "Algorithms for
 * the assignment and transportation problems", J. SIAM 5, 1957), in the shortest-augmenting-
 * path form with row and column potentials, O(n^2 m) for an n x m problem. Written for this
 * project from the method's description.
 *
 * The problem solved here is the one the scheduler has: rows (people) and columns (stations),
 * a weight per allowed pair, `null` where the pair is not allowed (skills, qualifications).
 * The answer maximises, in this order, (1) the number of matched pairs, (2) the total weight.
 * So a station is left empty only when no assignment can fill it, and among the fullest
 * assignments the best one is returned. Rectangular problems of either shape are allowed.
 *
 * How: the problem is padded to a square N x N; an allowed pair gets profit w + M with
 * M = 2 N W + 1 (W the largest |w|), a forbidden or padding pair profit 0. Any matching with one
 * more allowed pair then has the larger profit whatever the weights, so the maximum-profit
 * perfect matching on the square is the lexicographic optimum above. It is found as a
 * minimum-cost assignment of cost = (max profit) - profit.
 *
 * @example
 *   const r = maxWeightAssignment([[0.9, null], [0.4, 0.8]]);
 *   // r.rowToCol = [0, 1], r.matched = 2, r.total = 1.7
 */
export interface AssignmentResult {
  /** column of each row, -1 when the row is unmatched */
  rowToCol: Int32Array;
  /** row of each column, -1 when the column is unmatched */
  colToRow: Int32Array;
  matched: number;
  /** sum of the weights of the matched pairs */
  total: number;
}

export function maxWeightAssignment(weights: readonly (readonly (number | null)[])[]): AssignmentResult {
  const rows = weights.length;
  const cols = rows === 0 ? 0 : weights[0]!.length;
  let maxAbs = 0;
  for (let i = 0; i < rows; i++) {
    const row = weights[i]!;
    if (row.length !== cols) throw new RangeError(`row ${i} has ${row.length} entries, row 0 has ${cols}`);
    for (let j = 0; j < cols; j++) {
      const w = row[j];
      if (w === null || w === undefined) continue;
      if (!Number.isFinite(w)) throw new RangeError(`weight [${i}][${j}] must be a finite number or null`);
      if (Math.abs(w) > maxAbs) maxAbs = Math.abs(w);
    }
  }
  const n = Math.max(rows, cols);
  const rowToCol = new Int32Array(rows).fill(-1);
  const colToRow = new Int32Array(cols).fill(-1);
  if (n === 0) return { rowToCol, colToRow, matched: 0, total: 0 };

  const big = 2 * n * maxAbs + 1;
  const profit = new Float64Array(n * n); // padding and forbidden pairs: 0
  let maxProfit = 0;
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const w = weights[i]![j];
      if (w === null || w === undefined) continue;
      const p = w + big;
      profit[i * n + j] = p;
      if (p > maxProfit) maxProfit = p;
    }
  }
  for (let k = 0; k < profit.length; k++) profit[k] = maxProfit - profit[k]!; // now the cost matrix
  const colOfRow = minCostSquare(n, profit);

  let matched = 0;
  let total = 0;
  for (let i = 0; i < rows; i++) {
    const j = colOfRow[i]!;
    if (j >= cols) continue;
    const w = weights[i]![j];
    if (w === null || w === undefined) continue; // a forbidden pair in the padded solution: unmatched
    rowToCol[i] = j;
    colToRow[j] = i;
    matched++;
    total += w;
  }
  return { rowToCol, colToRow, matched, total };
}

/**
 * Minimum-cost perfect assignment of a square n x n cost matrix (row-major). Rows enter one at a time; each
 * grows a tree of tight edges by Dijkstra over reduced costs (cost - u[row] - v[col], kept
 * >= 0 by the potentials) until it reaches a free column, then the path is flipped.
 * Returns the column of every row.
 */
function minCostSquare(n: number, cost: Float64Array): Int32Array {
  // 1-based columns with column 0 as the virtual root of each search
  const u = new Float64Array(n + 1);
  const v = new Float64Array(n + 1);
  const owner = new Int32Array(n + 1); // owner[j]: row (1-based) matched to column j, 0 = free
  const via = new Int32Array(n + 1); // previous column on the shortest path to column j
  const dist = new Float64Array(n + 1);
  const done = new Uint8Array(n + 1);
  for (let row = 1; row <= n; row++) {
    owner[0] = row;
    let col = 0;
    dist.fill(Infinity);
    done.fill(0);
    for (;;) {
      done[col] = 1;
      const i = owner[col]!;
      const rowBase = (i - 1) * n - 1; // cost of (i, j) at rowBase + j for 1-based j
      const ui = u[i]!;
      let delta = Infinity;
      let next = -1;
      for (let j = 1; j <= n; j++) {
        if (done[j]) continue;
        const reduced = cost[rowBase + j]! - ui - v[j]!;
        if (reduced < dist[j]!) {
          dist[j] = reduced;
          via[j] = col;
        }
        if (dist[j]! < delta) {
          delta = dist[j]!;
          next = j;
        }
      }
      // shift the potentials so that the tree's edges stay tight and `next` becomes reachable
      for (let j = 0; j <= n; j++) {
        if (done[j]) {
          u[owner[j]!] += delta;
          v[j] -= delta;
        } else {
          dist[j] -= delta;
        }
      }
      col = next;
      if (owner[col] === 0) break;
    }
    // flip the augmenting path back to the root
    while (col !== 0) {
      const prev = via[col]!;
      owner[col] = owner[prev]!;
      col = prev;
    }
  }
  const colOfRow = new Int32Array(n);
  for (let j = 1; j <= n; j++) colOfRow[owner[j]! - 1] = j - 1;
  return colOfRow;
}
