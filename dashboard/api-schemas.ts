import { Type, type TSchema } from '@sinclair/typebox';

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
});

export const DecisionSchema = Type.Object({
  id: Type.String(),
  kind: Type.String(),
  targets: Type.Array(Type.String()),
  reason: Type.String(),
  inputs: Type.Record(Type.String(), Scalar),
  validUntil: Type.Number(),
  state: Type.String(),
});

export const DeviceStatusSchema = Type.Object({
  device: Type.String(),
  wearer: Type.String(),
  kind: Type.String(),
  transport: Type.String(),
  state: Type.String(),
  lastSeen: Nullable(Type.Number()),
  rateHz: Type.Number(),
  validity: Type.Number(),
  battery: Nullable(Type.Number()),
  errors: Type.Record(Type.String(), Type.Number()),
  detail: Type.Optional(Type.String()),
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

export const SessionSchema = Type.Object({
  authenticated: Type.Boolean(),
  user: Type.Union([Type.String(), Type.Null()]),
  writeEnabled: Type.Boolean(),
});

export const ErrorSchema = Type.Object({ code: Type.String(), message: Type.String() });
