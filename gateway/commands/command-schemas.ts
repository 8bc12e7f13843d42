import { Type, type Static } from '@sinclair/typebox';

/**
 * Commands into the gateway, schema first. The same commands arrive over MQTT
 * (`afg/v1/<site>/<gateway>/cmd/<name>`, docs/mqtt.md) and from the dashboard's write routes;
 * both hand them to one CommandPort, so validation, authorisation and the audit trail are the
 * same whichever way a command came in.
 *
 * Every command carries a correlation id chosen by the sender; the reply repeats it.
 */
const Strict = { additionalProperties: false } as const;

const CorrelationId = Type.String({ minLength: 1, maxLength: 128, description: 'chosen by the sender; repeated in the reply' });
const Note = Type.String({ maxLength: 500, description: 'free text for the audit trail' });
const AlertId = Type.String({ minLength: 1, maxLength: 128 });
const DecisionId = Type.String({ minLength: 1, maxLength: 128 });

export const AckAlertCommand = Type.Object(
  { command: Type.Literal('alert.ack'), correlationId: CorrelationId, alertId: AlertId, note: Type.Optional(Note) },
  { ...Strict, $id: 'afg/cmd/alert.ack' },
);

export const ShelveAlertCommand = Type.Object(
  {
    command: Type.Literal('alert.shelve'),
    correlationId: CorrelationId,
    alertId: AlertId,
    forS: Type.Number({ exclusiveMinimum: 0, maximum: 8 * 3600, description: 'shelve duration, s (time-limited, ISA-18.2)' }),
    note: Type.Optional(Note),
  },
  { ...Strict, $id: 'afg/cmd/alert.shelve' },
);

export const AcceptDecisionCommand = Type.Object(
  { command: Type.Literal('decision.accept'), correlationId: CorrelationId, decisionId: DecisionId, note: Type.Optional(Note) },
  { ...Strict, $id: 'afg/cmd/decision.accept' },
);

export const RejectDecisionCommand = Type.Object(
  { command: Type.Literal('decision.reject'), correlationId: CorrelationId, decisionId: DecisionId, note: Type.Optional(Note) },
  { ...Strict, $id: 'afg/cmd/decision.reject' },
);

export const SetThresholdCommand = Type.Object(
  {
    command: Type.Literal('threshold.set'),
    correlationId: CorrelationId,
    name: Type.String({ minLength: 1, maxLength: 80, description: 'a name from the gateway\'s list of adjustable thresholds' }),
    value: Type.Number(),
    note: Type.Optional(Note),
  },
  { ...Strict, $id: 'afg/cmd/threshold.set' },
);

export const GatewayCommand = Type.Union([AckAlertCommand, ShelveAlertCommand, AcceptDecisionCommand, RejectDecisionCommand, SetThresholdCommand]);
export type GatewayCommand = Static<typeof GatewayCommand>;
export type CommandName = GatewayCommand['command'];
export const COMMAND_NAMES: readonly CommandName[] = ['alert.ack', 'alert.shelve', 'decision.accept', 'decision.reject', 'threshold.set'];

export const CommandReply = Type.Object(
  {
    correlationId: Type.Union([Type.String(), Type.Null()], { description: 'null when the command was too malformed to carry one' }),
    command: Type.Union([Type.String(), Type.Null()]),
    ok: Type.Boolean(),
    code: Type.Optional(Type.String({ description: 'AFG_E_... when refused' })),
    reason: Type.Optional(Type.String()),
    /** what the command changed, e.g. the alert's new state */
    result: Type.Optional(Type.Record(Type.String(), Type.Union([Type.Number(), Type.String(), Type.Boolean(), Type.Null()]))),
    ts: Type.Integer({ description: 'epoch ms of the reply' }),
  },
  { ...Strict, $id: 'afg/reply' },
);
export type CommandReply = Static<typeof CommandReply>;
