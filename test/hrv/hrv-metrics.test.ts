import t from 'tap';
import { writeFile } from 'node:fs/promises';
import { computeHrv } from '../../gateway/hrv/hrv-metrics.ts';
import { correctRrSeries, RrArtefactFilter } from '../../gateway/hrv/rr-artefacts.ts';
import { runHrvCli } from '../../gateway/hrv/hrv-cli.ts';

t.test('time domain by hand: 800, 810, 790, 820, 800 ms', async (t) => {
  // mean = 4020 / 5 = 804; deviations -4, 6, -14, 16, -4 -> squares sum 520 -> sdnn = sqrt(520/4) = 11.40175
  // differences 10, -20, 30, -20 -> squares 100+400+900+400 = 1800 -> rmssd = sqrt(1800/4) = 21.21320
  // mean diff 0 -> sdsd = sqrt(1800/3) = 24.49490; |d| > 20: only 30 -> nni_20 = 1, pnni_20 = 25%; nni_50 = 0
  // sd1 = sqrt(600/2) = 17.32051; sd2 = sqrt(2*130 - 300) -> sqrt(-40) is NaN: too short for a Poincaré shape
  const m = computeHrv([800, 810, 790, 820, 800]);
  t.equal(m.mean_nni, 804);
  t.ok(Math.abs(m.sdnn - 11.40175) < 1e-5);
  t.ok(Math.abs(m.rmssd - 21.2132) < 1e-4);
  t.ok(Math.abs(m.sdsd - 24.4949) < 1e-4);
  t.equal(m.nni_50, 0);
  t.equal(m.nni_20, 1);
  t.equal(m.pnni_20, 25);
  t.ok(Math.abs(m.sd1 - 17.32051) < 1e-5);
  t.ok(Number.isNaN(m.lf), 'frequency domain unknown on 4 s of data');
});

t.test('too little data is unknown, not zero', async (t) => {
  const m = computeHrv([800]);
  t.ok(Object.values(m).every((v) => Number.isNaN(v)));
});

function sinusoidRr(freqHz: number, ampMs: number, seconds: number): number[] {
  const rr: number[] = [];
  let tS = 0;
  while (tS < seconds) {
    const v = 800 + ampMs * Math.sin(2 * Math.PI * freqHz * tS);
    rr.push(v);
    tS += v / 1000;
  }
  return rr;
}

t.test('a 0.1 Hz modulation lands in LF with power A^2/2, a 0.25 Hz one in HF', async (t) => {
  // a sinusoid of amplitude A has power A^2 / 2: 20 ms -> 200 ms^2
  const lf = computeHrv(sinusoidRr(0.1, 20, 300));
  t.ok(Math.abs(lf.lf - 200) / 200 < 0.05, `LF ${lf.lf.toFixed(1)} ms^2 near 200`);
  t.ok(lf.hf < 10, `HF ${lf.hf.toFixed(2)} small`);
  const hf = computeHrv(sinusoidRr(0.25, 20, 300));
  t.ok(Math.abs(hf.hf - 200) / 200 < 0.05, `HF ${hf.hf.toFixed(1)} ms^2 near 200`);
  t.ok(hf.lf_hf < 0.1);
});

t.test('artefact filter drops ectopic and out-of-range beats', async (t) => {
  const { nn, rejected } = correctRrSeries([800, 810, 400, 1200, 805, 2500, 798]);
  t.same(Array.from(nn), [800, 810, 805, 798]);
  t.equal(rejected, 3);
  t.throws(() => new RrArtefactFilter({ maxRelativeChange: 2 }));
});

t.test('afg hrv prints the documented keys', async (t) => {
  const dir = t.testdir();
  await writeFile(`${dir}/rr.txt`, '# test\n800\n810\n790\n820\n800\n');
  const out = JSON.parse(await runHrvCli(`${dir}/rr.txt`));
  t.same(Object.keys(out), ['mean_nni', 'sdnn', 'rmssd', 'sdsd', 'nni_50', 'pnni_50', 'nni_20', 'pnni_20', 'sd1', 'sd2', 'lf', 'hf', 'lf_hf']);
  t.equal(out.mean_nni, 804);
  t.equal(out.lf, null);
  await writeFile(`${dir}/bad.txt`, '800\nabc\n');
  await t.rejects(runHrvCli(`${dir}/bad.txt`), { code: 'AFG_E_INPUT_INVALID' });
});
