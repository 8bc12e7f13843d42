import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { TObject } from '@sinclair/typebox';
import { GatewayCommand, type CommandReply, type GatewayCommand as GatewayCommandT } from '../commands/command-schemas.ts';
import { INBOUND_SCHEMAS, PAYLOAD_SCHEMAS, type AlertPayload, type AttentionPayload, type AttentionSummaryPayload, type DecisionPayload, type DeviceStatusPayload, type OutboxReportPayload, type StatusPayload, type VehicleSpeedPayload } from './payload-schemas.ts';
import { TOPIC_SPECS } from './topics.ts';
import { FleetMetrics } from './sparkplug/fleet-metrics.ts';
import { SparkplugModel } from './sparkplug/sparkplug-metrics.ts';

/** One example per payload; the tests validate each against its schema, so the doc cannot drift. */
export const PAYLOAD_EXAMPLES: {
  StatusPayload: StatusPayload;
  AttentionPayload: AttentionPayload;
  AttentionSummaryPayload: AttentionSummaryPayload;
  AlertPayload: AlertPayload;
  DecisionPayload: DecisionPayload;
  DeviceStatusPayload: DeviceStatusPayload;
  OutboxReportPayload: OutboxReportPayload;
  CommandReply: CommandReply;
} = {
  StatusPayload: { state: 'online', site: 'plant-1', gateway: 'gw-a', version: '0.1.0', startedAt: 1_767_225_600_000, ts: 1_767_225_600_412 },
  AttentionPayload: {
    wearer: 'dr-19c2',
    t: 182_000,
    ts: 1_767_225_782_000,
    state: 'distracted',
    score: 0.31,
    probs: { attentive: 0.22, distracted: 0.64, drowsy: 0.09, overloaded: 0.05 },
    quality: 0.97,
    estimator: 'rule-based/1',
  },
  AttentionSummaryPayload: {
    wearer: 'op-7f3a',
    from: 1_767_225_720_000,
    to: 1_767_225_780_000,
    estimates: 1200,
    share: { attentive: 0.81, distracted: 0.12, drowsy: 0.04, overloaded: 0, sensor_lost: 0.03, unknown: 0 },
    meanScore: 0.77,
    minScore: 0.31,
    meanQuality: 0.95,
    ts: 1_767_225_780_050,
  },
  AlertPayload: {
    id: 'al-dr-19c2-0007',
    rev: 1,
    wearer: 'dr-19c2',
    role: 'driver',
    kind: 'distraction',
    level: 2,
    raisedAt: 1_767_225_781_500,
    state: 'active',
    evidence: { offRoadS: 2.4, speedKmh: 11 },
    audience: 'wearer',
    ts: 1_767_225_781_503,
  },
  DecisionPayload: {
    id: 'dc-0042',
    kind: 'break',
    targets: ['op-7f3a'],
    reason: 'drowsiness level 2 for 10 min',
    inputs: { perclos: 0.21, minutesAtLevel: 10 },
    validUntil: 1_767_226_682_000,
    state: 'pending',
    createdAt: 1_767_225_782_000,
    station: 'st-01',
    ts: 1_767_225_782_010,
  },
  DeviceStatusPayload: {
    device: 'et-03',
    wearer: 'op-7f3a',
    kind: 'eye_tracker',
    transport: 'serial',
    state: 'connected',
    lastSeen: 1_767_225_781_990,
    rateHz: 119.8,
    validity: 0.96,
    battery: null,
    errors: { AFG_E_FRAME_CRC: 2 },
    quality: { nominalRateHz: 120, droppedFrames: 3, crcErrors: 2, inputErrors: 2, reconnects: 1 },
    ts: 1_767_225_782_000,
  },
  OutboxReportPayload: {
    depth: 3,
    bytes: 1840,
    oldestAt: 1_767_225_700_310,
    dropped: { total: 2, byClass: { telemetry: 2, decision: 0, alert: 0 }, byReason: { full: 2, age: 0 } },
    recentDrops: [
      { id: 'sm:op-7f3a:1767225600000', cls: 'telemetry', reason: 'full', at: 1_767_225_701_000 },
      { id: 'sm:op-2c91:1767225600000', cls: 'telemetry', reason: 'full', at: 1_767_225_701_000 },
    ],
    ts: 1_767_225_782_000,
  },
  CommandReply: { correlationId: 'mes-7731', command: 'alert.ack', ok: false, code: 'AFG_E_MQTT_COMMAND_UNAUTHORISED', reason: "actor 'mes-2' is not authorised to send commands (unknown actor or wrong token)", ts: 1_767_225_790_120 },
};

export const INBOUND_EXAMPLES: { VehicleSpeedPayload: VehicleSpeedPayload } = {
  VehicleSpeedPayload: { speedMps: 3.1, ts: 1_767_225_781_950, source: 'truck-12-can' },
};

/** One example per command, as an MQTT sender writes it (with the `actor` envelope field). */
export const COMMAND_EXAMPLES: Record<GatewayCommandT['command'], Record<string, unknown>> = {
  'alert.ack': { actor: 'sup-7a', token: '…', correlationId: 'mes-7731', alertId: 'al-dr-19c2-0007', note: 'talked to the driver' },
  'alert.shelve': { actor: 'sup-7a', token: '…', correlationId: 'mes-7732', alertId: 'al-op-2c91-0003', forS: 900, note: 'tracker being replaced' },
  'decision.accept': { actor: 'mes-line-1', correlationId: 'mes-7733', decisionId: 'dc-0042' },
  'decision.reject': { actor: 'mes-line-1', correlationId: 'mes-7734', decisionId: 'dc-0043', note: 'line changeover at 10:30' },
  'threshold.set': { actor: 'sup-7a', token: '…', correlationId: 'mes-7735', name: 'operator.fatigueEnterS', value: 30, note: 'night shift trial' },
};

/** The schemas of the commands, one per name, from the shared contract. */
export function commandSchemas(): TObject[] {
  return (GatewayCommand as unknown as { anyOf: TObject[] }).anyOf;
}

/**
 * Renders docs/mqtt.md from the topic table and the typebox schemas, so the document is the
 * code's own description. `node --import tsx gateway/outputs/mqtt-doc.ts` rewrites the file;
 * a test fails when the committed file differs from this output.
 *
 * Cost: a few kB of string building; runs only at doc time and in a test.
 *
 * @example
 *   writeFileSync('docs/mqtt.md', renderMqttDoc());
 */
export function renderMqttDoc(): string {
  const out: string[] = [];
  out.push(
    '# MQTT interface',
    '',
    '<!-- Generated by `node --import tsx gateway/outputs/mqtt-doc.ts` from gateway/outputs/topics.ts and',
    '     gateway/outputs/payload-schemas.ts. Do not edit by hand: test/outputs/mqtt-doc.test.ts checks it. -->',
    '',
    'The gateway publishes derived data only (states, scores, alerts, decisions): no raw gaze or',
    'biosignals, and wearers appear by pseudonym only (e.g. `op-7f3a`).',
    '',
    '## Topic layout',
    '',
    'Every topic lives under `afg/v1/<site>/<gateway>/`. `site` and `gateway` are 1-64 letters, digits,',
    '`_` or `-`, so several gateways share one broker and consumers subscribe per plant',
    '(`afg/v1/plant-1/#`) or per gateway (`afg/v1/plant-1/gw-a/#`). A wearer, device or command id',
    "is one topic level: `/`, `+`, `#` and control characters in it become `_`. Running many gateways",
    'on a plant broker (ids, an ACL per gateway, client certificates, `$share` consumer groups,',
    'Sparkplug naming, bridges and clusters, sizing): [deployment-mqtt.md](deployment-mqtt.md).',
    '',
    '| Topic (under `afg/v1/<site>/<gateway>/`) | Direction | QoS | Retained | Payload | What |',
    '|---|---|---|---|---|---|',
  );
  for (const s of TOPIC_SPECS) {
    const dir = s.direction === 'out' ? 'gateway -> line' : 'line -> gateway';
    const payload = `[${s.schema}](#${s.schema.toLowerCase()})`;
    out.push(`| \`${s.pattern}\` | ${dir} | ${s.qos} | ${s.retain ? 'yes' : 'no'} | ${payload} | ${s.what} |`);
  }
  out.push(
    '',
    '## Delivery',
    '',
    '- **Status and last will.** The gateway connects with an MQTT last will on `status`: the',
    '  `offline` status payload, QoS 1, retained. On every CONNACK it publishes `online` (retained),',
    '  on a clean stop `offline` (retained), so the retained value is always the current one. In the',
    '  last will `startedAt` is `null`.',
    '- **Alerts and decisions (QoS 1, at-least-once).** Each one is appended to a persisted outbox',
    '  on the gateway and fsync\'ed before it counts as raised. It is published at QoS 1 from the',
    '  outbox and removed only after the broker\'s PUBACK. After a broker outage, a network cut or a',
    '  gateway restart every pending entry is published again in the order it was raised, so order',
    '  per wearer is kept. A message can arrive more than once: de-duplicate alerts on',
    '  `(id, rev)` and decisions on `(id, state)`.',
    '- **Bounds.** The outbox is bounded by entries, bytes and age (`outbox.maxEntries`, `maxBytes`,',
    '  `maxAgeMs`). When full, the classes go in `outbox.dropOrder` (default: telemetry, then decisions,',
    '  then alerts; oldest first within a class). Every drop is counted under `AFG_E_OUTBOX_FULL`,',
    '  logged (alerts at error level, with the id), written to the outbox file so the count survives',
    '  restarts, and reported on the retained `outbox` topic with the dropped ids: never silent.',
    '- **Aggregate telemetry (optional).** With `mqtt.summary.enabled`, `wearers/<wearer>/summary` goes',
    '  through the outbox too, as the class dropped first.',
    '- **Attention (QoS 0).** Telemetry, at most once per wearer per period (default 1 s). It is not',
    '  queued while the broker is away (mqtt.js\'s offline queue is off): the next estimate replaces it.',
    '- **Time.** `ts`, `raisedAt`, `startedAt`, `lastSeen`, `validUntil` are milliseconds since the Unix',
    '  epoch (UTC). `t` in attention is the gateway\'s monotonic clock in ms, for ordering only.',
    '- **Missing data.** When sensors are lost the attention state is `sensor_lost` (or `unknown`) with',
    '  `score` and `probs` `null`: missing data is never reported as a state of the person.',
    '',
    '## Payload schemas',
    '',
    'JSON Schema (draft 2020-12 compatible), generated from the typebox definitions the tests validate',
    'against. Unknown properties are not allowed: a new field is a new schema version (`afg/v2/...`).',
  );
  const all = [...Object.entries(PAYLOAD_SCHEMAS).map(([n, sc]) => [n, sc, (PAYLOAD_EXAMPLES as Record<string, unknown>)[n]] as const), ...Object.entries(INBOUND_SCHEMAS).map(([n, sc]) => [n, sc, (INBOUND_EXAMPLES as Record<string, unknown>)[n]] as const)];
  for (const [name, schema, example] of all) {
    const topics = TOPIC_SPECS.filter((s) => s.schema === name).map((s) => `\`${s.pattern}\``);
    out.push('', `### ${name}`, '', `Topic: ${topics.join(', ')}.`, '', '```json', JSON.stringify(schema, null, 2), '```', '', 'Example:', '', '```json', JSON.stringify(example), '```');
  }
  out.push(
    '',
    '## Commands',
    '',
    'A command is published at QoS 1, not retained, on `cmd/<command>` (e.g. `afg/v1/plant-1/gw-a/cmd/alert.ack`).',
    'Its payload is the command schema below plus two transport fields the gateway removes before',
    'validating: `actor` (who sends it) and `token` (that actor\'s secret, when one is configured).',
    '`command` may be left out (the topic names it); when present it must match the topic.',
    'With MQTT 5, `actor` and `token` may come as user properties instead, and the correlation data',
    'stands in for a missing `correlationId`.',
    '',
    'The gateway answers every command on `replies` ([CommandReply](#commandreply)) with the',
    'correlation id: `ok: true` and what changed, or `ok: false` with a code and the reason. With',
    'MQTT 5 and a response topic set, it answers there too, with the correlation data echoed. The',
    'response topic must lie under `replies/` or a prefix in `mqtt.commands.responseTopicPrefixes`',
    '(otherwise the command is refused: a sender must not make the gateway publish on its own topics).',
    '',
    'Checked in this order; the first failure is the reply, counted under its code, and nothing else',
    'happens:',
    '',
    '| check | code |',
    '|---|---|',
    '| known command name, JSON object under 16 KiB, a correlation id, not retained, payload `command` matches the topic, allowed response topic | `AFG_E_MQTT_COMMAND_INVALID` |',
    '| at most `mqtt.commands.maxPerMinute` commands per minute (all senders) | `AFG_E_MQTT_COMMAND_RATE_LIMITED` |',
    '| `actor` is in `mqtt.commands.actors`, with the right `token` when the actor has `tokenSha256` | `AFG_E_MQTT_COMMAND_UNAUTHORISED` |',
    '| the command matches its schema (field path in the reason) | `AFG_E_MQTT_COMMAND_INVALID` |',
    '| the gateway\'s command handler (gateway/commands): role may send it, the alert / decision / threshold exists, its state allows it, the value is in range; applied at the next pipeline tick and audited | `AFG_E_COMMAND_UNAUTHORISED`, `AFG_E_COMMAND_NOT_FOUND`, `AFG_E_COMMAND_CONFLICT`, `AFG_E_COMMAND_INVALID`, `AFG_E_COMMAND_UNAVAILABLE` |',
    '',
    'A command delivered twice (QoS 1 may redeliver) with the same actor and correlation id within',
    '10 minutes is answered again with the first reply; it does not run twice.',
    '',
    '### Trust model',
    '',
    '- **The broker authenticates; the gateway authorises.** MQTT does not tell a subscriber who',
    '  published a message, so the gateway cannot see the sender\'s broker identity. The broker',
    '  must authenticate every client (TLS client certificates or username/password) and its ACL',
    '  must grant write access on `afg/v1/<site>/<gateway>/cmd/#` only to the line systems and',
    '  supervisor tools that may send commands (see docs/deployment-mqtt.md for an ACL).',
    '- **Actors.** A command names its actor; only actors listed in `mqtt.commands.actors` are',
    '  accepted, each with a role (`supervisor`, `team_lead`, `line_system`) that the gateway\'s command',
    '  handler checks per command. With the ACL alone, any client allowed to write `cmd/#` can claim',
    '  any listed actor.',
    '- **Tokens bind a claim to a secret.** An actor with `tokenSha256` must send the matching',
    '  `token`; the gateway stores only the SHA-256 and compares in constant time. Send tokens only',
    '  over TLS. An unknown actor and a wrong token get the same refusal.',
    '- Every command, accepted or refused, is answered; accepted ones are audited by the handler',
    '  (who, when, note).',
  );
  for (const schema of commandSchemas()) {
    const name = (schema.properties['command'] as unknown as { const: GatewayCommandT['command'] }).const;
    out.push('', `### ${name}`, '', `Topic: \`cmd/${name}\`.`, '', '```json', JSON.stringify(schema, null, 2), '```', '', 'Example (MQTT payload):', '', '```json', JSON.stringify(COMMAND_EXAMPLES[name]), '```');
  }
  out.push(...renderSparkplug());
  out.push(
    '',
    '## Watching it',
    '',
    '```sh',
    "mosquitto_sub -h 127.0.0.1 -p 1883 -t 'afg/#' -v",
    '```',
    '',
  );
  return out.join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const target = fileURLToPath(new URL('../../docs/mqtt.md', import.meta.url));
  writeFileSync(target, renderMqttDoc());
  console.log(`wrote ${target}`);
}

/** The Sparkplug section: the session rules and the metric list, from the edge node's own model. */
function renderSparkplug(): string[] {
  const model = new SparkplugModel();
  new FleetMetrics(model, { wearers: [{ id: 'dr-19c2', role: 'driver' }, { id: 'op-7f3a', role: 'operator', station: 'st-01' }], site: 'plant-1', gateway: 'gw-a', version: '0.1.0', publishPeriodMs: 1000, scoreDeadband: 0.02, toEpochMs: (x) => x }).defineAll(0, 0);
  const table = (device: string | null) => ['| metric | datatype | aliased |', '|---|---|---|', ...model.birth(device).map((m) => `| \`${m.name}\` | ${m.type} | ${m.alias === null ? 'no (never)' : 'yes'} |`)];
  return [
    '',
    '## Sparkplug B',
    '',
    'With `sparkplug.enabled` the gateway is also a Sparkplug B 3.0 edge node (Eclipse Sparkplug 3.0.0),',
    'on its own MQTT connection: group `sparkplug.groupId` (default: the site), edge node',
    '`sparkplug.edgeNodeId` (default: the gateway), each wearer a device named by its pseudonym.',
    'Topics `spBv1.0/<group>/<NBIRTH|NDEATH|NDATA|NCMD>/<edge node>` and',
    '`spBv1.0/<group>/<DBIRTH|DDATA|DCMD>/<edge node>/<wearer>`; payloads are Sparkplug B protobuf',
    '(Eclipse Tahu\'s definition, encoded with the `sparkplug-payload` package).',
    '',
    '- **Session.** Clean session (3.1.1) or clean start with session expiry 0 (5). The MQTT Will is the',
    '  NDEATH: QoS 1, not retained, holding only `bdSeq` (INT64). `bdSeq` starts at 0 and goes up by one',
    '  on every new CONNECT (255 wraps to 0); it is kept in `<dataDir>/sparkplug/bdseq.json`, so a',
    '  restart continues the count. The NBIRTH after a CONNECT carries the same `bdSeq` as its Will.',
    '- **Births.** NBIRTH with `seq` 0, then one DBIRTH per wearer. A birth lists every metric with name,',
    '  alias, datatype, timestamp and current value (`is_null` when unknown, never 0). The NBIRTH holds',
    '  `Node Control/Rebirth` (Boolean, false, never aliased). NBIRTH, DBIRTH, NDATA and DDATA are QoS 0,',
    '  not retained, as the specification requires.',
    '- **seq.** 0 on NBIRTH, then one more on every DBIRTH, NDATA and DDATA of the session, 255 wrapping to',
    '  0. NDEATH has none.',
    '- **Data.** Report by exception with aliases only: alert levels at once, attention at most once per',
    '  `sparkplug.publishPeriodMs` per wearer, a score only when it moved by `sparkplug.scoreDeadband`.',
    '- **Rebirth.** NCMD `Node Control/Rebirth` = true: DATA stops, NBIRTH and every DBIRTH are sent again',
    '  with the same `bdSeq`. A metric that appears later (a new alert kind) also triggers a rebirth.',
    '- **Primary host.** With `sparkplug.primaryHostId` the node subscribes to `spBv1.0/STATE/<id>` and',
    '  sends its births only once a STATE `{"online": true, "timestamp": ...}` arrives that is not older',
    '  than the last one seen. A later `online: false` (not older) makes it publish its NDEATH, disconnect,',
    '  connect again (next `bdSeq`) and wait. Older STATE messages are ignored.',
    '- **Store and forward.** While disconnected or waiting for the primary host, metric changes are kept',
    '  (at most `sparkplug.maxHistorical`; beyond, the oldest go and are counted as',
    '  `AFG_E_SPARKPLUG_BUFFER_FULL`) and sent after the next births as DATA with `is_historical`.',
    '- **Stop.** NDEATH then DISCONNECT (MQTT 5: DISCONNECT with reason 0x04, so the broker sends the Will).',
    '- **Not the zero-loss path.** Sparkplug data is QoS 0 by the specification; the guarantee that no',
    '  alert is lost holds on the JSON `alerts` topic.',
    '- **Derived data only.** No gaze, pupil or heart signal is a metric.',
    '',
    '### Edge node metrics',
    '',
    ...table(null),
    '',
    '### Device metrics (a driver; operators have the operator alert kinds)',
    '',
    ...table('dr-19c2'),
    '',
    '`Alerts/<kind>/Level` is 0..3 (0 when cleared), `Alerts/<kind>/State` the alert state',
    '(`active`, `acked`, `shelved`, `cleared`), `Alerts/Level` the highest active level of the wearer.',
    '`Attention/State` is `attentive`, `distracted`, `drowsy`, `overloaded`, `sensor_lost` or `unknown`.',
  ];
}
