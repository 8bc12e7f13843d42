import t from 'tap';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runEventsEval } from '../../gateway/events/events-cli.ts';

// Agreement with the Lund 2013 hand labels (Andersson et al. 2017) must not fall below stated
// floors. The data set is not part of the repository (GPL-3.0, read from ../shared): without it
// the test skips and says why.
const DATA = process.env['AFG_LUND2013_DIR'] ?? fileURLToPath(new URL('../../../shared/datasets/lund2013', import.meta.url));
const present = existsSync(`${DATA}/img`) && existsSync(`${DATA}/dots`);
const why = present ? false : `Lund 2013 data not found at ${DATA} (not in the repository; see docs/event-detection.md)`;

/** stacked kappa floors: detector -> stimulus -> event -> floor */
const FLOORS: Record<string, Record<string, Record<string, number>>> = {
  ivt: { img: { fixation: 0.74, saccade: 0.63 }, dots: { saccade: 0.54 } },
  apd: { img: { fixation: 0.75, saccade: 0.84, pso: 0.6, blink: 0.8 }, dots: { fixation: 0.45, saccade: 0.65, pso: 0.45, pursuit: 0.55 } },
};

for (const [detector, byStim] of Object.entries(FLOORS)) {
  for (const [stim, floors] of Object.entries(byStim)) {
    t.test(`${detector} on lund2013/${stim}: kappa stays above the floors`, { skip: why }, async (t) => {
      const rep = await runEventsEval(`${DATA}/${stim}`, { units: 'px', detector, corrections: stim === 'img' ? `${DATA}/fix_by_Zemblys2018` : undefined });
      for (const [ev, floor] of Object.entries(floors)) {
        const k = rep.kappa[ev]!['stacked']!;
        t.ok(k !== null && k >= floor, `${ev}: kappa ${k} >= ${floor}`);
      }
    });
  }
}
