import { Type, type Static } from '@sinclair/typebox';
import { CommandReply } from '../commands/command-schemas.ts';

/**
 * JSON Schemas of every MQTT payload, used by the sink's tests and rendered in docs/mqtt.md.
 * Only derived data leaves the box: states, scores, alerts and decisions — no raw gaze or
 * biosignals, and wearers appear by pseudonym only.
 */
const Nullable = <T extends ReturnType<typeof Type.Number>>(t: T) => Type.Union([t, Type.Null()]);
const Evidence = Type.Record(Type.String(), Type.Union([Type.Number(), Type.String(), Type.Boolean(), Type.Null()]));

export const StatusPayload = Type.Object(
  {
    state: Type.Union([Type.Literal('online'), Type.Literal('offline')]),
    site: Type.String(),
    gateway: Type.String(),
    version: Type.String(),
    startedAt: Type.Union([Type.Integer(), Type.Null()], { description: 'epoch ms; null in the last will' }),
    ts: Type.Integer({ description: 'epoch ms when published' }),
  },
  { additionalProperties: false, $id: 'afg/status' },
);

export const AttentionPayload = Type.Object(
  {
    wearer: Type.String({ description: 'pseudonym' }),
    t: Type.Number({ description: 'gateway monotonic time of the estimate, ms (for ordering; not a wall clock)' }),
    ts: Type.Integer({ description: 'epoch ms of the estimate' }),
    state: Type.Union(['attentive', 'distracted', 'drowsy', 'overloaded', 'sensor_lost', 'unknown'].map((s) => Type.Literal(s))),
    score: Nullable(Type.Number({ minimum: 0, maximum: 1 })),
    probs: Type.Union([
      Type.Object({ attentive: Type.Number(), distracted: Type.Number(), drowsy: Type.Number(), overloaded: Type.Number() }, { additionalProperties: false }),
      Type.Null(),
    ]),
    quality: Type.Number({ minimum: 0, maximum: 1 }),
    estimator: Type.String(),
  },
  { additionalProperties: false, $id: 'afg/attention' },
);

export const AlertPayload = Type.Object(
  {
    id: Type.String({ description: 'episode id; (id, rev) is unique per message' }),
    rev: Type.Integer({ minimum: 0 }),
    wearer: Type.String(),
    role: Type.Union([Type.Literal('operator'), Type.Literal('driver')]),
    station: Type.Optional(Type.String()),
    kind: Type.String(),
    level: Type.Integer({ minimum: 0, maximum: 3 }),
    raisedAt: Type.Integer({ description: 'epoch ms of this transition' }),
    state: Type.Union([Type.Literal('active'), Type.Literal('acked'), Type.Literal('shelved'), Type.Literal('cleared')]),
    evidence: Evidence,
    audience: Type.Optional(
      Type.Union([Type.Literal('wearer'), Type.Literal('team_lead'), Type.Literal('supervisor')], {
        description: 'whom this level addresses: operators escalate wearer (haptic, station light) -> team_lead -> supervisor; driver alerts address the wearer (in-cab) at every level',
      }),
    ),
    shelvedUntil: Type.Optional(Type.Integer({ description: 'while shelved: epoch ms when the shelve ends' })),
    by: Type.Optional(Type.String({ description: 'pseudonymous id of who acknowledged or shelved it' })),
    ts: Type.Integer(),
  },
  { additionalProperties: false, $id: 'afg/alert' },
);

export const DecisionPayload = Type.Object(
  {
    id: Type.String(),
    kind: Type.Union([Type.Literal('break'), Type.Literal('reassign'), Type.Literal('line_speed'), Type.Literal('rotate')]),
    targets: Type.Array(Type.String()),
    reason: Type.String(),
    inputs: Evidence,
    validUntil: Type.Integer({ description: 'epoch ms; a pending decision expires then' }),
    state: Type.Union([Type.Literal('pending'), Type.Literal('accepted'), Type.Literal('rejected'), Type.Literal('expired')]),
    createdAt: Type.Optional(Type.Integer({ description: 'epoch ms when the scheduler made it' })),
    station: Type.Optional(Type.String({ description: 'the station it concerns (breaks, reassignments)' })),
    decidedBy: Type.Optional(Type.String({ description: 'pseudonymous id of who accepted or rejected it' })),
    decidedAt: Type.Optional(Type.Integer({ description: 'epoch ms of the accept/reject' })),
    ts: Type.Integer(),
  },
  { additionalProperties: false, $id: 'afg/decision' },
);

export const DeviceStatusPayload = Type.Object(
  {
    device: Type.String(),
    wearer: Type.String(),
    kind: Type.String(),
    transport: Type.String(),
    state: Type.Union(['connecting', 'connected', 'sensor_lost', 'disconnected', 'error'].map((s) => Type.Literal(s))),
    lastSeen: Type.Union([Type.Integer(), Type.Null()], { description: 'epoch ms' }),
    rateHz: Type.Union([Type.Number(), Type.Null()], { description: 'achieved sample rate, Hz; null for heart-rate wearables (their notification rate may be the heart rate; Polar ECG/ACC rates are in quality.streams)' }),
    validity: Type.Number({ minimum: 0, maximum: 1 }),
    battery: Type.Union([Type.Number(), Type.Null()]),
    errors: Type.Record(Type.String(), Type.Integer()),
    detail: Type.Optional(Type.String()),
    // link quality only, derived by the gateway: counts and rates of the link, never a value of
    // the signal (no heart rate, no gaze); skin contact says whether a strap is worn
    quality: Type.Optional(
      Type.Object(
        {
          nominalRateHz: Type.Union([Type.Number(), Type.Null()], { description: 'the rate the device declared (serial HELLO); null when unknown' }),
          droppedFrames: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()], { description: 'frames the protocol shows were lost since start (serial seq, Gazepoint CNT, Polar PMD time gaps); null where the protocol cannot tell' }),
          crcErrors: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()], { description: 'serial frames that failed their CRC-16 since start; null on links without our CRC' }),
          inputErrors: Type.Integer({ minimum: 0, description: 'bad input from the device, dropped and counted, since start' }),
          reconnects: Type.Integer({ minimum: 0, description: 'links re-established after the first' }),
          streams: Type.Optional(
            Type.Record(Type.String(), Type.Object({ rateHz: Type.Number({ minimum: 0 }), nominalRateHz: Type.Union([Type.Number(), Type.Null()]) }, { additionalProperties: false }), {
              description: 'Polar wearables: achieved rate (last second) and started rate of each PMD stream (ecg, acc); never heart-rate or RR rates (they would be the heart rate)',
            }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    contact: Type.Optional(Type.Union([Type.Literal('contact'), Type.Literal('no_contact'), Type.Literal('unsupported'), Type.Null()], { description: 'HR straps: skin contact of the latest measurement (is the strap worn); null before the first' })),
    mtu: Type.Optional(Type.Union([Type.Integer(), Type.Null()], { description: 'BLE: negotiated ATT MTU; null when the bindings do not report it' })),
    ts: Type.Integer(),
  },
  { additionalProperties: false, $id: 'afg/device-status' },
);

const Share = Type.Number({ minimum: 0, maximum: 1 });
const OutboxClasses = Type.Union([Type.Literal('telemetry'), Type.Literal('decision'), Type.Literal('alert')]);
const PerClass = Type.Object({ telemetry: Type.Integer({ minimum: 0 }), decision: Type.Integer({ minimum: 0 }), alert: Type.Integer({ minimum: 0 }) }, { additionalProperties: false });

export const AttentionSummaryPayload = Type.Object(
  {
    wearer: Type.String({ description: 'pseudonym' }),
    from: Type.Integer({ description: 'epoch ms, start of the period' }),
    to: Type.Integer({ description: 'epoch ms, end of the period' }),
    estimates: Type.Integer({ minimum: 1 }),
    share: Type.Object(
      { attentive: Share, distracted: Share, drowsy: Share, overloaded: Share, sensor_lost: Share, unknown: Share },
      { additionalProperties: false, description: 'share of the period\'s estimates per state' },
    ),
    meanScore: Type.Union([Type.Number({ minimum: 0, maximum: 1 }), Type.Null()], { description: 'over estimates with a score; null when none had one' }),
    minScore: Type.Union([Type.Number({ minimum: 0, maximum: 1 }), Type.Null()]),
    meanQuality: Share,
    ts: Type.Integer(),
  },
  { additionalProperties: false, $id: 'afg/attention-summary' },
);

export const OutboxReportPayload = Type.Object(
  {
    depth: Type.Integer({ minimum: 0, description: 'entries waiting for a PUBACK' }),
    bytes: Type.Integer({ minimum: 0 }),
    oldestAt: Type.Union([Type.Integer(), Type.Null()], { description: 'epoch ms of the oldest waiting entry' }),
    dropped: Type.Object(
      {
        total: Type.Integer({ minimum: 0 }),
        byClass: PerClass,
        byReason: Type.Object({ full: Type.Integer({ minimum: 0 }), age: Type.Integer({ minimum: 0 }) }, { additionalProperties: false }),
      },
      { additionalProperties: false, description: 'entries that left without a PUBACK since the outbox was created (survives restarts)' },
    ),
    recentDrops: Type.Array(
      Type.Object({ id: Type.String({ description: 'the message id (alerts: id:rev)' }), cls: OutboxClasses, reason: Type.Union([Type.Literal('full'), Type.Literal('age')]), at: Type.Integer() }, { additionalProperties: false }),
      { maxItems: 20, description: 'the latest drops, oldest first' },
    ),
    ts: Type.Integer(),
  },
  { additionalProperties: false, $id: 'afg/outbox-report' },
);

/** Inbound: a driver's vehicle speed (vehicles/<wearer>/speed). */
export const VehicleSpeedPayload = Type.Object(
  {
    speedMps: Type.Number({ minimum: 0, maximum: 60, description: 'vehicle speed over ground, m/s' }),
    ts: Type.Optional(Type.Integer({ minimum: 0, description: 'epoch ms of the measurement; older than mqtt.vehicleSpeed.staleAfterMs is refused' })),
    source: Type.Optional(Type.String({ maxLength: 64, description: 'free text, e.g. the vehicle controller id' })),
  },
  { additionalProperties: false, $id: 'afg/vehicle-speed' },
);

export type StatusPayload = Static<typeof StatusPayload>;
export type VehicleSpeedPayload = Static<typeof VehicleSpeedPayload>;
export type AttentionSummaryPayload = Static<typeof AttentionSummaryPayload>;
export type OutboxReportPayload = Static<typeof OutboxReportPayload>;
export type AttentionPayload = Static<typeof AttentionPayload>;
export type AlertPayload = Static<typeof AlertPayload>;
export type DecisionPayload = Static<typeof DecisionPayload>;
export type DeviceStatusPayload = Static<typeof DeviceStatusPayload>;

/** What the gateway publishes (every one carries `ts`). */
export const PAYLOAD_SCHEMAS = { StatusPayload, AttentionPayload, AttentionSummaryPayload, AlertPayload, DecisionPayload, DeviceStatusPayload, OutboxReportPayload, CommandReply } as const;

/** What the gateway reads besides commands (commands: gateway/commands/command-schemas.ts). */
export const INBOUND_SCHEMAS = { VehicleSpeedPayload } as const;
