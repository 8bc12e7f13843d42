import t from 'tap';
import { FuzzTally } from './fuzz-tally.ts';
import { FUZZ_TARGETS } from './fuzz-targets.ts';

// The CI share of `npm run fuzz`: every target with a few hundred generated cases (a few thousand
// in all) from a fixed seed, so a red run reproduces with the same seed. FUZZ_SEED / FUZZ_CASES
// (a multiplier) override. Each case is bounded in time (CASE_BUDGET_MS): a hang fails too.
const SEED = Number(process.env['FUZZ_SEED'] ?? 20261202);
const SCALE = Number(process.env['FUZZ_CASES'] ?? 1);
const CI_CASES: Record<string, number> = { 'serial-frames': 600, 'gazepoint-xml': 500, 'pupil-msgpack': 500, gatt: 200, 'polar-pmd': 500, 'pipeline-batches': 80, config: 300, commands: 300, http: 200, 'input-files': 200 };

for (const target of FUZZ_TARGETS) {
  t.test(`fuzz ${target.name}: ${target.what}`, async (t) => {
    const tally = new FuzzTally();
    const cases = Math.round((CI_CASES[target.name] ?? 200) * SCALE);
    await t.resolves(target.run({ cases, seed: SEED, tally }), `${cases} cases from seed ${SEED} hold the property`);
    const mine = tally.toJSON()[target.name];
    t.ok(mine && mine.cases >= cases, `ran ${mine?.cases ?? 0} cases`);
    t.comment(`${target.name}: accepted ${mine?.accepted ?? 0}, rejected ${JSON.stringify(mine?.rejected ?? {})}`);
  });
}
