import { readFile } from 'node:fs/promises';
import { AfgError } from '../core/errors.ts';
import { computeHrv, emptyHrv, HRV_KEYS, HRV_SETTINGS, timeDomainInto, type HrvMetrics } from './hrv-metrics.ts';
import { RrArtefactFilter } from './rr-artefacts.ts';
import { HrvSpectrum } from './welch-spectrum.ts';

/** Longest beat-to-beat interval and longest series `afg hrv` takes (ms). */
const MAX_INTERVAL_MS = 60_000;
const MAX_SERIES_MS = 24 * 3_600_000;

/**
 * `afg hrv <file> [--correct]`: one RR/NN interval in ms per line (blank lines and # comments
 * ignored); prints the HRV metrics as one JSON object with the keys of HRV_KEYS (unknown: null).
 * Without --correct the intervals are taken as NN as given (reference values from other tools
 * are computed that way). With --correct they first go through the artefact filter
 * (rr-artefacts.ts): removed intervals break the succession (no successive difference across
 * them) and keep their time, so the spectrum sees the beats where they were; the number removed
 * goes to stderr.
 */
export async function runHrvCli(file: string, opts: { correct?: boolean; onRejected?: (n: number, total: number) => void } = {}): Promise<string> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new AfgError('AFG_E_INPUT_INVALID', `cannot read ${file}: ${(err as Error).message}`);
  }
  const rr: number[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    const s = line.trim();
    if (!s || s.startsWith('#')) return;
    const v = Number(s);
    if (!Number.isFinite(v) || v <= 0) throw new AfgError('AFG_E_INPUT_INVALID', `${file}:${i + 1}: '${s}' is not an interval in ms`);
    rr.push(v);
  });
  if (rr.length < 2) throw new AfgError('AFG_E_INPUT_INVALID', `${file}: need at least 2 intervals`);
  // the spectrum resamples the whole series at 4 Hz: a typo of a few digits (7e10 ms) would ask for
  // gigabytes. A minute between beats, or a day of recording, is beyond any ECG/strap input.
  const longest = Math.max(...rr);
  if (longest > MAX_INTERVAL_MS) throw new AfgError('AFG_E_INPUT_INVALID', `${file}: an interval of ${longest} ms is not a beat-to-beat interval (at most ${MAX_INTERVAL_MS} ms)`);
  const total = rr.reduce((a, b) => a + b, 0);
  if (total > MAX_SERIES_MS) throw new AfgError('AFG_E_INPUT_INVALID', `${file}: the intervals add up to ${(total / 3_600_000).toFixed(1)} h; at most 24 h per call`);
  const m = opts.correct ? correctedHrv(rr, opts.onRejected) : computeHrv(rr);
  const rounded = Object.fromEntries(HRV_KEYS.map((k) => [k, Number.isNaN(m[k]) ? null : Math.round(m[k] * 1e6) / 1e6]));
  return JSON.stringify(rounded);
}

/** Metrics of the intervals the artefact filter accepts, with adjacency and true beat times. */
function correctedHrv(rr: number[], onRejected?: (n: number, total: number) => void): HrvMetrics {
  const filter = new RrArtefactFilter();
  const nn: number[] = [];
  const adj: number[] = [];
  const times: number[] = [];
  let tt = 0;
  let prevAccepted = false;
  for (const x of rr) {
    tt += x;
    if (filter.accept(x)) {
      adj.push(prevAccepted ? 1 : 0);
      nn.push(x);
      times.push(tt);
      prevAccepted = true;
    } else {
      prevAccepted = false;
    }
  }
  onRejected?.(filter.rejected, rr.length);
  const out = emptyHrv();
  timeDomainInto(nn, nn.length, adj, out);
  if (nn.length >= 2 && (times[times.length - 1]! - times[0]!) / 1000 >= HRV_SETTINGS.minSpectralS) {
    const { lf, hf } = new HrvSpectrum({ maxBeats: nn.length, maxDurationS: tt / 1000 + 1 }).bandPowers(times, nn, nn.length);
    out.lf = lf;
    out.hf = hf;
    out.lf_hf = hf > HRV_SETTINGS.minHfMs2 ? lf / hf : NaN;
  }
  return out;
}
