import { Type, type Static, type TSchema } from '@sinclair/typebox';

/**
 * JSON schemas of the dashboard API (typebox, so they are plain JSON Schema). fastify validates
 * input with them and serialises responses with them: a field missing here is dropped from the
 * response, so tests compare responses with what went onto the bus.
 */

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const Scalar = Type.Union([Type.Number(), Type.String(), Type.Boolean(), Type.Null()]);

export const StationSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  x: Type.Number(),
  y: Type.Number(),
  safetyCritical: Type.Boolean(),
});

export const WearerViewSchema = Type.Object({
  id: Type.String(),
  role: Type.Union([Type.Literal('operator'), Type.Literal('driver')]),
  station: Type.Union([Type.String(), Type.Null()]),
  state: Type.String(),
  score: Nullable(Type.Number()),
  quality: Type.Number(),
  updatedAt: Nullable(Type.Number()),
  activeAlerts: Type.Array(Type.Object({ id: Type.String(), kind: Type.String(), level: Type.Integer(), state: Type.String() })),
});

export const AlertStateSchema = Type.Union([Type.Literal('active'), Type.Literal('acked'), Type.Literal('shelved'), Type.Literal('cleared')]);

export const AlertSchema = Type.Object({
  id: Type.String(),
  rev: Type.Integer(),
  wearer: Type.String(),
  role: Type.String(),
  station: Type.Optional(Type.String()),
  kind: Type.String(),
  level: Type.Integer({ minimum: 0, maximum: 3 }),
  raisedAt: Type.Number(),
  evidence: Type.Record(Type.String(), Scalar),
  state: AlertStateSchema,
  /** whom this level addresses: wearer, team_lead or supervisor (policy, issue 7) */
  audience: Type.Optional(Type.String()),
  /** while shelved: epoch ms when the shelve ends */
  shelvedUntil: Type.Optional(Type.Number()),
  /** who acknowledged or shelved it */
  by: Type.Optional(Type.String()),
});

export const DecisionSchema = Type.Object({
  id: Type.String(),
  kind: Type.String(),
  targets: Type.Array(Type.String()),
  reason: Type.String(),
  inputs: Type.Record(Type.String(), Scalar),
  validUntil: Type.Number(),
  state: Type.String(),
  createdAt: Type.Optional(Type.Number()),
  station: Type.Optional(Type.String()),
  decidedBy: Type.Optional(Type.String()),
  decidedAt: Type.Optional(Type.Number()),
});

export const DeviceStatusSchema = Type.Object({
  device: Type.String(),
  wearer: Type.String(),
  kind: Type.String(),
  transport: Type.String(),
  state: Type.String(),
  lastSeen: Nullable(Type.Number()),
  rateHz: Nullable(Type.Number()),
  validity: Type.Number(),
  battery: Nullable(Type.Number()),
  errors: Type.Record(Type.String(), Type.Number()),
  detail: Type.Optional(Type.String()),
  /** signal quality counters of the link (devices, issue 3) */
  quality: Type.Optional(
    Type.Object({
      nominalRateHz: Nullable(Type.Number()),
      droppedFrames: Nullable(Type.Number()),
      crcErrors: Nullable(Type.Number()),
      inputErrors: Type.Number(),
      reconnects: Type.Number(),
      /** Polar wearables: achieved and started rate per PMD stream (ecg, acc) */
      streams: Type.Optional(Type.Record(Type.String(), Type.Object({ rateHz: Type.Number(), nominalRateHz: Nullable(Type.Number()) }))),
    }),
  ),
  /** HR straps: skin contact of the latest measurement (null before the first) */
  contact: Type.Optional(Nullable(Type.String())),
  /** BLE: the negotiated ATT MTU (null when the bindings do not report it) */
  mtu: Type.Optional(Nullable(Type.Number())),
});

export const FloorSnapshotSchema = Type.Object({
  site: Type.String(),
  gateway: Type.String(),
  stations: Type.Array(StationSchema),
  wearers: Type.Array(WearerViewSchema),
  alerts: Type.Array(AlertSchema),
  decisions: Type.Array(DecisionSchema),
  devices: Type.Array(DeviceStatusSchema),
});

const Probs = Type.Object({ attentive: Type.Number(), distracted: Type.Number(), drowsy: Type.Number(), overloaded: Type.Number() });

export const WearerDetailSchema = Type.Object({
  wearer: WearerViewSchema,
  estimate: Type.Union([
    Type.Object({
      wearer: Type.String(),
      t: Type.Number(),
      probs: Type.Union([Probs, Type.Null()]),
      score: Nullable(Type.Number()),
      quality: Type.Number(),
      state: Type.String(),
      estimator: Type.String(),
    }),
    Type.Null(),
  ]),
  observation: Type.Union([Type.Object({ wearer: Type.String(), t: Type.Number(), values: Type.Record(Type.String(), Scalar) }), Type.Null()]),
  /** the wearer's devices: battery, skin contact, signal */
  devices: Type.Array(DeviceStatusSchema),
  /** whether this dashboard may show the wearer's raw gaze (dashboard.allowRawGaze) */
  rawGazeAllowed: Type.Boolean(),
});

export const AlertsQuerySchema = Type.Object({ state: Type.Optional(AlertStateSchema) }, { additionalProperties: false });

export const WearerParamsSchema = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

export const HealthSchema = Type.Object(
  {
    status: Type.Union([Type.Literal('starting'), Type.Literal('ready'), Type.Literal('degraded')]),
    reasons: Type.Array(Type.String()),
  },
  { additionalProperties: true },
);

export const ErrorSchema = Type.Object({ code: Type.String(), message: Type.String() });

export const IdParamsSchema = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) }, { additionalProperties: false });

/** One line of the audit trail (the store's AuditEntry): who, when, what, to which target. */
export const AuditEntrySchema = Type.Object(
  {
    at: Type.Number(),
    actor: Type.String(),
    action: Type.String(),
    target: Type.String(),
    note: Type.Optional(Type.String()),
    role: Type.Optional(Type.String()),
    via: Type.Optional(Type.String()),
    ok: Type.Optional(Type.Boolean()),
    code: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

export const AlertStepSchema = Type.Object({ rev: Type.Integer(), level: Type.Integer(), state: Type.String(), at: Type.Number(), by: Type.Optional(Type.String()) });

export const AlertDetailSchema = Type.Object({
  alert: AlertSchema,
  /** every revision of the episode (from the store); empty when the store is not attached */
  history: Type.Array(AlertStepSchema),
  audit: Type.Array(AuditEntrySchema),
});

export const AuditQuerySchema = Type.Object(
  {
    target: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    limit: Type.Integer({ minimum: 1, maximum: 1000, default: 200 }),
  },
  { additionalProperties: false },
);

/**
 * One row of the effect evaluation summary (issue 7 §4): interventions of one kind at one station
 * and how attention changed after them. Extra numeric fields from the evaluator pass through.
 */
export const EffectSummaryRowSchema = Type.Object(
  {
    kind: Type.String(),
    station: Nullable(Type.String()),
    n: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: true },
);

export const EffectsSchema = Type.Object({
  available: Type.Boolean(),
  rows: Type.Array(EffectSummaryRowSchema),
});

export const HistorySchema = Type.Object({
  wearer: Type.String(),
  periodMs: Type.Number(),
  t: Type.Array(Type.Number()),
  series: Type.Record(Type.String(), Type.Array(Nullable(Type.Number()))),
});

export const ThroughputSchema = Type.Object({
  /** samples decoded per second, all devices, over the last window */
  samplesInPerS: Type.Number(),
  /** messages handed to the broker per second */
  messagesOutPerS: Nullable(Type.Number()),
  /** pipeline ticks per second */
  ticksPerS: Type.Number(),
  windowS: Type.Number(),
});

export const GatewayStatusSchema = Type.Object({
  health: HealthSchema,
  throughput: Nullable(ThroughputSchema),
  devices: Type.Array(DeviceStatusSchema),
});

export const LoginBodySchema = Type.Object(
  {
    user: Type.String({ minLength: 1, maxLength: 64 }),
    password: Type.String({ minLength: 1, maxLength: 1024 }),
  },
  { additionalProperties: false },
);

export const LoginReplySchema = Type.Object({
  user: Type.String(),
  role: Type.String(),
  csrfToken: Type.String(),
  expiresAt: Type.Number({ description: 'epoch ms when the session ends unless used again' }),
});

export const SessionSchema = Type.Object({
  authenticated: Type.Boolean(),
  user: Type.Union([Type.String(), Type.Null()]),
  role: Type.Union([Type.String(), Type.Null()]),
  /** false when no login is possible at all (no users configured): the page then hides sign-in */
  writeEnabled: Type.Boolean(),
  csrfToken: Type.Union([Type.String(), Type.Null()]),
  expiresAt: Type.Union([Type.Number(), Type.Null()]),
});

/** The API's types, for the UI (dashboard/ui) and tests: what the schemas let through. */
export type StationView = Static<typeof StationSchema>;
export type WearerViewJson = Static<typeof WearerViewSchema>;
export type AlertJson = Static<typeof AlertSchema>;
export type DecisionJson = Static<typeof DecisionSchema>;
export type DeviceStatusJson = Static<typeof DeviceStatusSchema>;
export type FloorSnapshotJson = Static<typeof FloorSnapshotSchema>;
export type WearerDetailJson = Static<typeof WearerDetailSchema>;
export type AlertDetailJson = Static<typeof AlertDetailSchema>;
export type AuditEntryJson = Static<typeof AuditEntrySchema>;
export type EffectsJson = Static<typeof EffectsSchema>;
export type HistoryJson = Static<typeof HistorySchema>;
export type GatewayStatusJson = Static<typeof GatewayStatusSchema>;
export type SessionJson = Static<typeof SessionSchema>;
export type LoginReplyJson = Static<typeof LoginReplySchema>;
export type ErrorJson = Static<typeof ErrorSchema>;
