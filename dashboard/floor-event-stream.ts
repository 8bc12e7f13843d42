import type { ServerResponse } from 'node:http';
import type { FloorEvent, FloorState } from './floor-state.ts';

export interface FloorEventStreamOptions {
  /** period of the `heartbeat` event, ms; the UI calls itself stale after 5 s without any event */
  heartbeatMs?: number;
  /** wearer and device updates are coalesced to at most one per id per this period, ms */
  coalesceMs?: number;
  /** a client that lets this many bytes queue up is dropped; its EventSource reconnects and gets a fresh snapshot */
  maxBufferedBytes?: number;
  /** epoch clock for the heartbeat's server time (injectable for tests) */
  now?: () => number;
  /** floor mode: the site's other gateways, sent as `site` (snapshot), `site-gateway` (one changed) and `site-health` (with each heartbeat) */
  site?: SiteSource;
}

/** What the stream needs of a SiteFloor. */
export interface SiteSource {
  snapshot(): unknown;
  view(gateway: string): unknown;
  health(): unknown;
  subscribe(fn: (gateway: string) => void): () => void;
}

/**
 * One Server-Sent Events client of the floor: a `snapshot` event first, then `wearer`, `device`,
 * `alert` and `decision` events, and a `heartbeat` event so the page can tell live from stale.
 * Heartbeats are named events, not SSE comments, because EventSource never surfaces comments to
 * the page. Wearer and device updates are coalesced per id (200 wearers at 10 Hz become at most
 * 200 events per `coalesceMs`); alerts and decisions are sent at once, in order.
 * Cost: O(1) per floor event; one write per coalesced id per period.
 *
 * @example
 *   reply.hijack();
 *   const stream = new FloorEventStream(floor, reply.raw, { heartbeatMs: 2000 });
 *   req.raw.on('close', () => stream.close());
 */
export class FloorEventStream {
  private readonly res: ServerResponse;
  private readonly pendingWearers = new Map<string, unknown>();
  private readonly pendingDevices = new Map<string, unknown>();
  private readonly flushTimer: NodeJS.Timeout;
  private readonly heartbeatTimer: NodeJS.Timeout;
  private unsubscribe: () => void = () => undefined;
  private unsubscribeSite: () => void = () => undefined;
  private readonly pendingGateways = new Set<string>();
  private readonly site: SiteSource | undefined;
  private readonly maxBufferedBytes: number;
  private readonly now: () => number;
  private closed = false;
  private readonly closeListeners: (() => void)[] = [];

  constructor(floor: FloorState, res: ServerResponse, opts: FloorEventStreamOptions = {}) {
    const heartbeatMs = opts.heartbeatMs ?? 2000;
    const coalesceMs = opts.coalesceMs ?? 500;
    if (!(heartbeatMs > 0) || !(coalesceMs > 0)) throw new RangeError('FloorEventStream: heartbeatMs and coalesceMs must be > 0');
    this.res = res;
    this.maxBufferedBytes = opts.maxBufferedBytes ?? 4 * 1024 * 1024;
    this.now = opts.now ?? Date.now;
    // ask the browser to reconnect after 2 s when the connection drops
    this.write('retry: 2000\n\n');
    this.send('snapshot', floor.snapshot());
    this.unsubscribe = floor.subscribe((e: FloorEvent) => {
      if (e.type === 'wearer') this.pendingWearers.set(e.wearer.id, e.wearer);
      else if (e.type === 'device') this.pendingDevices.set(e.device.device, e.device);
      else if (e.type === 'alert') this.send('alert', e.alert);
      else this.send('decision', e.decision);
    });
    this.site = opts.site;
    if (this.site) {
      this.send('site', this.site.snapshot());
      this.unsubscribeSite = this.site.subscribe((g) => this.pendingGateways.add(g));
    }
    this.flushTimer = setInterval(() => this.flush(), coalesceMs);
    this.heartbeatTimer = setInterval(() => {
      this.send('heartbeat', { serverTime: this.now() });
      if (this.site) this.send('site-health', this.site.health());
    }, heartbeatMs);
    res.on('close', () => this.close());
    res.on('error', () => this.close());
  }

  /** Called once when the stream ends, for whatever reason. */
  onClose(fn: () => void): void {
    if (this.closed) fn();
    else this.closeListeners.push(fn);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.flushTimer);
    clearInterval(this.heartbeatTimer);
    this.unsubscribe();
    this.unsubscribeSite();
    this.pendingGateways.clear();
    this.pendingWearers.clear();
    this.pendingDevices.clear();
    if (!this.res.writableEnded) this.res.end();
    for (const fn of this.closeListeners.splice(0)) fn();
  }

  private flush(): void {
    for (const w of this.pendingWearers.values()) this.send('wearer', w);
    this.pendingWearers.clear();
    for (const d of this.pendingDevices.values()) this.send('device', d);
    this.pendingDevices.clear();
    if (this.site && this.pendingGateways.size) {
      // '*' (the broker connection changed) sends the whole site once; otherwise each changed gateway
      if (this.pendingGateways.has('*')) this.send('site', this.site.snapshot());
      else for (const g of this.pendingGateways) this.send('site-gateway', this.site.view(g));
      this.pendingGateways.clear();
    }
  }

  private send(event: string, data: unknown): void {
    // JSON.stringify never emits a raw newline, so one data line is always a whole message
    this.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  private write(chunk: string): void {
    if (this.closed) return;
    if (this.res.writableLength > this.maxBufferedBytes) {
      // a stalled client: stop queueing for it rather than grow without bound
      this.res.destroy();
      this.close();
      return;
    }
    this.res.write(chunk);
  }
}
