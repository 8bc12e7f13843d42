import type { SampleBatch } from '../core/types.ts';

type Stream = SampleBatch['kind'];

/**
 * Achieved rate of each stream of one device (a Polar H10 sends heart rate, RR, ECG and ACC:
 * one rate over all of them would mean nothing), over the last whole second like LinkHealth.
 * Cost: one Map lookup per batch.
 *
 * @example
 *   const rates = new StreamRates();
 *   rates.batch('ecg', nowMs, 73);
 *   rates.read(nowMs); // { ecg: 130.1 } once a second has passed
 */
export class StreamRates {
  private readonly counts = new Map<Stream, number>();
  private readonly rates = new Map<Stream, number>();
  private since = NaN;

  batch(stream: Stream, nowMs: number, n: number): void {
    if (!Number.isFinite(nowMs) || !(n >= 0)) return;
    if (Number.isNaN(this.since)) this.since = nowMs;
    this.counts.set(stream, (this.counts.get(stream) ?? 0) + n);
  }

  /** Rolls the window every second; samples per second of each stream seen so far (0 when silent). */
  read(nowMs: number): Partial<Record<Stream, number>> {
    if (!Number.isNaN(this.since) && nowMs - this.since >= 1000) {
      const s = (nowMs - this.since) / 1000;
      for (const [k, n] of this.counts) {
        this.rates.set(k, Math.round((n / s) * 10) / 10);
        this.counts.set(k, 0);
      }
      this.since = nowMs;
    }
    return Object.fromEntries(this.rates) as Partial<Record<Stream, number>>;
  }
}

/**
 * Each stream's achieved rate, with the rate a PMD stream was started at; a started stream shows
 * even before its first frame. Only the PMD streams, which run at a rate the gateway chose: RR
 * intervals per second are beats per second, i.e. the heart rate, and a strap may notify once per
 * beat, so neither may reach /metrics or MQTT (dashboard/device-metrics.ts).
 */
export function bleStreams(rates: Partial<Record<Stream, number>>, streaming: { ecg: number | null; acc: number | null }): Record<string, { rateHz: number; nominalRateHz: number | null }> {
  const out: Record<string, { rateHz: number; nominalRateHz: number | null }> = {};
  for (const k of ['ecg', 'acc'] as const) {
    const nominal = streaming[k];
    const rate = rates[k];
    if (rate !== undefined || nominal !== null) out[k] = { rateHz: rate ?? 0, nominalRateHz: nominal };
  }
  return out;
}
