import type { Alert, AttentionEstimate, Decision, Role, WearerId } from '../../core/types.ts';
import { DRIVER_ALERT_KINDS } from '../../policy/driver-policy.ts';
import { OPERATOR_ALERT_KINDS } from '../../policy/operator-policy.ts';
import { REBIRTH_METRIC, type MetricChange, type SparkplugModel } from './sparkplug-metrics.ts';

export interface FleetMetricsOptions {
  wearers: readonly { id: WearerId; role: Role; station?: string }[];
  site: string;
  gateway: string;
  version: string;
  /** attention metrics at most this often per wearer (ms of gateway time) */
  publishPeriodMs: number;
  /** score changes below this are not reported */
  scoreDeadband: number;
  toEpochMs: (t: number) => number;
}

/**
 * What the gateway tells SCADA over Sparkplug: derived data only — per wearer (a Sparkplug
 * device, id = the pseudonym) the attention state, score and quality, the level and state of
 * each alert kind and the highest active level; per edge node its properties and the latest
 * scheduling decision. Raw gaze and biosignals are never metrics. Unknown stays unknown: a
 * missing score is a null metric (is_null), not 0, and sensor loss is the state `sensor_lost`.
 *
 * Attention is reported by exception: at most once per `publishPeriodMs` per wearer, and only
 * what changed (the score by at least `scoreDeadband`); alert changes are reported at once.
 *
 * Cost: a few Map lookups per estimate; one small array per reported change.
 *
 * @example
 *   const fm = new FleetMetrics(model, opts);
 *   fm.defineAll(Date.now(), bdSeq);
 *   const changes = fm.onAlert(alert);
 */
export class FleetMetrics {
  private readonly model: SparkplugModel;
  private readonly o: FleetMetricsOptions;
  private readonly lastAttentionT = new Map<WearerId, number>();
  private readonly lastScore = new Map<WearerId, number | null>();
  private readonly active = new Map<WearerId, Map<string, number>>();

  constructor(model: SparkplugModel, o: FleetMetricsOptions) {
    if (!(o.publishPeriodMs >= 0)) throw new RangeError('publishPeriodMs must be >= 0');
    if (!(o.scoreDeadband >= 0 && o.scoreDeadband <= 1)) throw new RangeError('scoreDeadband must be within 0..1');
    this.model = model;
    this.o = o;
  }

  defineAll(now: number, bdSeq: number): void {
    const m = this.model;
    m.define(null, 'bdSeq', 'Int64', bdSeq, now);
    m.define(null, REBIRTH_METRIC, 'Boolean', false, now, false);
    m.define(null, 'Properties/Software Version', 'String', this.o.version, now);
    m.define(null, 'Properties/Site', 'String', this.o.site, now);
    m.define(null, 'Properties/Gateway', 'String', this.o.gateway, now);
    m.define(null, 'Properties/Wearers', 'Int32', this.o.wearers.length, now);
    for (const n of ['Id', 'Kind', 'State', 'Targets', 'Reason']) m.define(null, `Decisions/Last/${n}`, 'String', '', now);
    for (const w of this.o.wearers) {
      m.define(w.id, 'Properties/Role', 'String', w.role, now);
      m.define(w.id, 'Properties/Station', 'String', w.station ?? '', now);
      m.define(w.id, 'Attention/State', 'String', 'unknown', now);
      m.define(w.id, 'Attention/Score', 'Double', null, now);
      m.define(w.id, 'Attention/Quality', 'Double', 0, now);
      m.define(w.id, 'Alerts/Level', 'Int32', 0, now);
      m.define(w.id, 'Alerts/Active', 'Int32', 0, now);
      for (const n of ['Id', 'Kind', 'State']) m.define(w.id, `Alerts/Last/${n}`, 'String', '', now);
      for (const kind of w.role === 'driver' ? DRIVER_ALERT_KINDS : OPERATOR_ALERT_KINDS) this.defineKind(w.id, kind, now);
    }
  }

  /** The bdSeq metric follows the connection (not reported in DATA: only births carry it). */
  setBdSeq(bdSeq: number, now: number): void {
    this.model.set(null, 'bdSeq', bdSeq, now);
  }

  onEstimate(e: AttentionEstimate): MetricChange[] {
    if (!this.model.has(e.wearer, 'Attention/State')) return [];
    const last = this.lastAttentionT.get(e.wearer);
    if (last !== undefined && e.t - last < this.o.publishPeriodMs) return [];
    this.lastAttentionT.set(e.wearer, e.t);
    const ts = Math.round(this.o.toEpochMs(e.t));
    const out: MetricChange[] = [];
    const push = (c: MetricChange | null) => c && out.push(c);
    push(this.model.set(e.wearer, 'Attention/State', e.state, ts));
    const score = e.score === null ? null : Math.round(e.score * 1000) / 1000;
    const prev = this.lastScore.get(e.wearer);
    if (prev === undefined || (prev === null) !== (score === null) || (prev !== null && score !== null && Math.abs(score - prev) >= this.o.scoreDeadband)) {
      this.lastScore.set(e.wearer, score);
      push(this.model.set(e.wearer, 'Attention/Score', score, ts));
    }
    const q = Math.round(e.quality * 20) / 20; // 0.05 steps
    push(this.model.set(e.wearer, 'Attention/Quality', q, ts));
    return out;
  }

  onAlert(a: Alert): MetricChange[] {
    if (!this.model.has(a.wearer, 'Alerts/Level')) return [];
    const ts = a.raisedAt;
    if (!this.model.has(a.wearer, `Alerts/${a.kind}/Level`)) this.defineKind(a.wearer, a.kind, ts); // a kind the policy added later: the model asks for a rebirth
    const out: MetricChange[] = [];
    const push = (c: MetricChange | null) => c && out.push(c);
    const level = a.state === 'cleared' ? 0 : a.level;
    let act = this.active.get(a.wearer);
    if (!act) {
      act = new Map();
      this.active.set(a.wearer, act);
    }
    if (level > 0) act.set(a.kind, level);
    else act.delete(a.kind);
    push(this.model.set(a.wearer, `Alerts/${a.kind}/Level`, level, ts));
    push(this.model.set(a.wearer, `Alerts/${a.kind}/State`, a.state, ts));
    push(this.model.set(a.wearer, 'Alerts/Level', Math.max(0, ...act.values()), ts));
    push(this.model.set(a.wearer, 'Alerts/Active', act.size, ts));
    push(this.model.set(a.wearer, 'Alerts/Last/Id', `${a.id}:${a.rev}`, ts));
    push(this.model.set(a.wearer, 'Alerts/Last/Kind', a.kind, ts));
    push(this.model.set(a.wearer, 'Alerts/Last/State', a.state, ts));
    return out;
  }

  onDecision(d: Decision, now: number): MetricChange[] {
    const out: MetricChange[] = [];
    const push = (c: MetricChange | null) => c && out.push(c);
    push(this.model.set(null, 'Decisions/Last/Id', d.id, now));
    push(this.model.set(null, 'Decisions/Last/Kind', d.kind, now));
    push(this.model.set(null, 'Decisions/Last/State', d.state, now));
    push(this.model.set(null, 'Decisions/Last/Targets', d.targets.join(','), now));
    push(this.model.set(null, 'Decisions/Last/Reason', d.reason.slice(0, 500), now));
    return out;
  }

  private defineKind(wearer: WearerId, kind: string, now: number): void {
    this.model.define(wearer, `Alerts/${kind}/Level`, 'Int32', 0, now);
    this.model.define(wearer, `Alerts/${kind}/State`, 'String', '', now);
  }
}
