import type { Counter, Histogram } from 'prom-client';

export interface ThroughputSources {
  samplesIn: Counter<string>;
  messagesOut: Counter<string>;
  tickSeconds: Histogram<string>;
}

export interface Throughput {
  samplesInPerS: number;
  /** null while nothing increments afg_messages_out_total (no series yet) */
  messagesOutPerS: number | null;
  ticksPerS: number;
  windowS: number;
}

interface Reading {
  at: number;
  samples: number;
  messages: number | null;
  ticks: number;
}

/**
 * Gateway throughput for the health view, as rates of the Prometheus counters the gateway keeps
 * anyway (samples decoded, messages to the broker, pipeline ticks): no second set of counters
 * on the hot path. Readings are taken every `periodMs`; the rate is over the last two.
 * Cost: one read of three metrics per period.
 *
 * @example
 *   const meter = new ThroughputMeter(metrics, { periodMs: 2000 });
 *   meter.start();
 *   meter.current(); // { samplesInPerS: 1440, ... } or null before two readings
 */
export class ThroughputMeter {
  private readonly src: ThroughputSources;
  private readonly periodMs: number;
  private readonly now: () => number;
  private prev: Reading | null = null;
  private last: Reading | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(src: ThroughputSources, opts: { periodMs?: number; now?: () => number } = {}) {
    if (!src?.samplesIn || !src.messagesOut || !src.tickSeconds) throw new TypeError('ThroughputMeter: samplesIn, messagesOut and tickSeconds are required');
    this.src = src;
    this.periodMs = opts.periodMs ?? 2000;
    if (!(this.periodMs >= 100)) throw new RangeError('ThroughputMeter: periodMs must be >= 100');
    this.now = opts.now ?? (() => performance.now());
  }

  start(): void {
    if (this.timer) return;
    void this.read();
    this.timer = setInterval(() => void this.read(), this.periodMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Takes a reading now (the timer calls this). */
  async read(): Promise<void> {
    const [s, m, h] = await Promise.all([this.src.samplesIn.get(), this.src.messagesOut.get(), this.src.tickSeconds.get()]);
    const sum = (vals: { value: number }[]) => vals.reduce((a, v) => a + v.value, 0);
    const ticks = h.values.filter((v) => v.metricName?.endsWith('_count')).reduce((a, v) => a + v.value, 0);
    this.prev = this.last;
    this.last = { at: this.now(), samples: sum(s.values), messages: m.values.length ? sum(m.values) : null, ticks };
  }

  current(): Throughput | null {
    const a = this.prev;
    const b = this.last;
    if (!a || !b || b.at <= a.at) return null;
    const dt = (b.at - a.at) / 1000;
    const rate = (x: number) => Math.round((x / dt) * 10) / 10;
    return { samplesInPerS: rate(b.samples - a.samples), messagesOutPerS: a.messages === null || b.messages === null ? null : rate(b.messages - a.messages), ticksPerS: rate(b.ticks - a.ticks), windowS: Math.round(dt * 10) / 10 };
  }
}
