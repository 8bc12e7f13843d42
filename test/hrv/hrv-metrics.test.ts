import t from 'tap';
import { writeFile } from 'node:fs/promises';
import { computeHrv } from '../../gateway/hrv/hrv-metrics.ts';
import { correctRrSeries, RrArtefactFilter } from '../../gateway/hrv/rr-artefacts.ts';
import { runHrvCli } from '../../gateway/hrv/hrv-cli.ts';

t.test('time domain by hand: 800, 810, 790, 820, 800 ms', async (t) => {
  // mean = 4020 / 5 = 804; deviations -4, 6, -14, 16, -4 -> squares sum 520 -> sdnn = sqrt(520/4) = 11.40175
  // differences 10, -20, 30, -20 -> squares 100+400+900+400 = 1800 -> rmssd = sqrt(1800/4) = 21.21320
  // mean diff 0 -> sdsd = sqrt(1800/3) = 24.49490; |d| > 20: only 30 -> nni_20 = 1, pnni_20 = 25%; nni_50 = 0
  // Poincaré points (800,810) (810,790) (790,820) (820,800): differences as above -> sd1 = sdsd / sqrt 2
  // = sqrt(600/2) = 17.32051; pair sums 1610, 1600, 1610, 1620, mean 1610, deviations 0, -10, 0, 10
  // -> SD = sqrt(200/3) = 8.16497 -> sd2 = 8.16497 / sqrt 2 = 5.77350
  const m = computeHrv([800, 810, 790, 820, 800]);
  t.equal(m.mean_nni, 804);
  t.ok(Math.abs(m.sdnn - 11.40175) < 1e-5);
  t.ok(Math.abs(m.rmssd - 21.2132) < 1e-4);
  t.ok(Math.abs(m.sdsd - 24.4949) < 1e-4);
  t.equal(m.nni_50, 0);
  t.equal(m.nni_20, 1);
  t.equal(m.pnni_20, 25);
  t.ok(Math.abs(m.sd1 - 17.32051) < 1e-5);
  t.ok(Math.abs(m.sd2 - 5.7735) < 1e-4, `sd2 ${m.sd2}`);
  t.equal(m.pnni_50, 0);
  t.ok(Number.isNaN(m.lf), 'frequency domain unknown on 4 s of data');
});

t.test('time domain by hand: 1000, 1060, 990, 1000 ms (NN50 counts, N-1 divisor)', async (t) => {
  // differences +60, -70, +10 (3 of them): |d| > 50 twice -> nni_50 = 2, pnni_50 = 2/3 = 66.6667 %;
  // |d| > 20 twice -> nni_20 = 2, pnni_20 = 66.6667 %
  // rmssd = sqrt((3600 + 4900 + 100) / 3) = sqrt(2866.667) = 53.5413
  // mean diff = 0 -> sdsd = sqrt(8600 / 2) = 65.5744
  // mean = 4050 / 4 = 1012.5; deviations -12.5, 47.5, -22.5, -12.5 -> squares 156.25 + 2256.25 + 506.25
  // + 156.25 = 3075 -> sdnn = sqrt(3075 / 3) = 32.0156
  const m = computeHrv(Float64Array.of(1000, 1060, 990, 1000));
  t.equal(m.mean_nni, 1012.5);
  t.equal(m.nni_50, 2);
  t.ok(Math.abs(m.pnni_50 - 66.66667) < 1e-4);
  t.equal(m.nni_20, 2);
  t.ok(Math.abs(m.pnni_20 - 66.66667) < 1e-4);
  t.ok(Math.abs(m.rmssd - 53.5413) < 1e-4, `rmssd ${m.rmssd}`);
  t.ok(Math.abs(m.sdsd - 65.5744) < 1e-4, `sdsd ${m.sdsd}`);
  t.ok(Math.abs(m.sdnn - 32.0156) < 1e-4, `sdnn ${m.sdnn}`);
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

t.test('two modulations: LF/HF comes out as the ratio of the analytic powers', async (t) => {
  // A = 20 ms at 0.1 Hz -> 200 ms^2 in LF; A = 10 ms at 0.25 Hz -> 50 ms^2 in HF; LF/HF = 4
  const rr: number[] = [];
  let tS = 0;
  while (tS < 300) {
    const v = 850 + 20 * Math.sin(2 * Math.PI * 0.1 * tS) + 10 * Math.sin(2 * Math.PI * 0.25 * tS + 1);
    rr.push(v);
    tS += v / 1000;
  }
  const m = computeHrv(rr);
  t.ok(Math.abs(m.lf - 200) / 200 < 0.06, `LF ${m.lf.toFixed(1)}`);
  t.ok(Math.abs(m.hf - 50) / 50 < 0.06, `HF ${m.hf.toFixed(1)}`);
  t.ok(Math.abs(m.lf_hf - 4) / 4 < 0.08, `LF/HF ${m.lf_hf.toFixed(3)}`);
  // a flat series has no power at all (ratio unknown, not infinite)
  const flat = computeHrv(new Array(400).fill(800));
  t.ok(flat.lf < 1e-9, `flat LF ${flat.lf}`);
  t.ok(Number.isNaN(flat.lf_hf));
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

t.test('afg hrv --correct removes artefacts; removed intervals break the succession', async (t) => {
  const dir = t.testdir();
  // 800 850 [400: ectopic] 790 800 (30 more 800s so there is something to average)
  const rr = [...new Array(30).fill(800), 850, 400, 790, 800];
  await writeFile(`${dir}/rr.txt`, rr.join('\n'));
  let removed: [number, number] | null = null;
  const out = JSON.parse(await runHrvCli(`${dir}/rr.txt`, { correct: true, onRejected: (n, total) => (removed = [n, total]) }));
  t.same(removed, [1, 34]);
  // adjacent differences: 29 x 0, +50, +10 (790 - 850 is not one): RMSSD = sqrt(2600 / 31)
  t.ok(Math.abs(out.rmssd - Math.sqrt(2600 / 31)) < 1e-6, `rmssd ${out.rmssd}`);
  t.equal(out.mean_nni, Math.round(((30 * 800 + 850 + 790 + 800) / 33) * 1e6) / 1e6);
  const raw = JSON.parse(await runHrvCli(`${dir}/rr.txt`));
  t.ok(raw.rmssd > 50, `uncorrected, the ectopic beat dominates: ${raw.rmssd}`);
});
