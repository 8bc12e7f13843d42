import t from 'tap';
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { computeHrv, HRV_KEYS } from '../../gateway/hrv/hrv-metrics.ts';

/**
 * Independent reference: the test series of hrv-analysis (Aura-healthcare, Python/NumPy) and the
 * values its own unit tests assert for it (tests/tests_extract_features_methods.py). Where that
 * library's conventions differ from ours (docs/hrv.md) the comparison goes through the stated
 * conversion, so a wrong divisor or a wrong pairing on our side shows.
 */
const FIXTURE = fileURLToPath(new URL('./fixtures/hrv-analysis-nn-intervals.txt', import.meta.url));
const HRV_ANALYSIS = {
  mean_nni: 718.248,
  sdnn: 43.113074968427306, // np.std(ddof=1): same convention
  sdsd: 19.519367520775713, // np.std(diff) with ddof=0; ours divides by M-1
  nni_50: 24,
  pnni_50: 2.4, // 100 * nni_50 / N; ours divides by N-1 (the number of differences)
  nni_20: 225,
  pnni_20: 22.5,
  rmssd: 19.519400785039664,
  sd1: 13.80919037557993,
  sd2: 59.38670497373513, // sqrt(2 sdnn^2 - sd1^2); ours is the SD of the pair sums / sqrt 2
};

async function series(): Promise<number[]> {
  const text = await readFile(FIXTURE, 'utf8');
  return text.split('\n').filter((l) => l.trim() && !l.startsWith('#')).map(Number);
}

const close = (a: number, b: number, rel = 1e-9) => Math.abs(a - b) <= rel * Math.max(1, Math.abs(b));

t.test('hrv-analysis reference series: same conventions agree to the last digits', async (t) => {
  const nn = await series();
  t.equal(nn.length, 1000);
  const m = computeHrv(nn);
  for (const k of ['mean_nni', 'sdnn', 'rmssd', 'nni_50', 'nni_20', 'sd1'] as const) t.ok(close(m[k], HRV_ANALYSIS[k]), `${k}: ours ${m[k]}, hrv-analysis ${HRV_ANALYSIS[k]}`);
});

t.test('hrv-analysis reference series: different conventions agree through their conversion', async (t) => {
  const m = computeHrv(await series());
  const N = 1000;
  const M = N - 1; // successive differences
  // pNNx: theirs / N, ours / (N - 1)
  t.ok(close(m.pnni_50, (HRV_ANALYSIS.pnni_50 * N) / M), `pnni_50 ${m.pnni_50} = 2.4 x 1000 / 999`);
  t.ok(close(m.pnni_20, (HRV_ANALYSIS.pnni_20 * N) / M), `pnni_20 ${m.pnni_20}`);
  // SDSD: theirs with divisor M, ours with M - 1
  t.ok(close(m.sdsd, HRV_ANALYSIS.sdsd * Math.sqrt(M / (M - 1)), 1e-7), `sdsd ${m.sdsd}`);
  // SD2: their closed form from our own SDNN and SD1 gives their number exactly ...
  t.ok(close(Math.sqrt(2 * m.sdnn ** 2 - m.sd1 ** 2), HRV_ANALYSIS.sd2, 1e-9), 'sqrt(2 sdnn^2 - sd1^2) from our values = their sd2');
  // ... and our direct SD of the Poincaré pair sums differs from it only by the series' ends
  t.ok(close(m.sd2, HRV_ANALYSIS.sd2, 1e-3), `sd2 ${m.sd2} within 0.1% of ${HRV_ANALYSIS.sd2}`);
});

t.test('afg hrv prints the documented keys for the reference series', async (t) => {
  const afg = fileURLToPath(new URL('../../gateway/cli/afg.mjs', import.meta.url));
  const out = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const p = spawn(process.execPath, [afg, 'hrv', FIXTURE], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
  t.equal(out.code, 0, out.stderr);
  const j = JSON.parse(out.stdout);
  t.same(Object.keys(j), [...HRV_KEYS]);
  t.equal(j.mean_nni, 718.248);
  t.equal(j.nni_50, 24);
  t.ok(close(j.rmssd, HRV_ANALYSIS.rmssd, 1e-7));
  // 1000 beats = 718 s: the frequency domain is known
  t.ok(j.lf > 0 && j.hf > 0 && close(j.lf_hf, j.lf / j.hf, 1e-5), `lf ${j.lf} hf ${j.hf} lf_hf ${j.lf_hf}`);
});
