import t from 'tap';
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { COMMAND_EXAMPLES, INBOUND_EXAMPLES, PAYLOAD_EXAMPLES, commandSchemas, renderMqttDoc } from '../../gateway/outputs/mqtt-doc.ts';
import { INBOUND_SCHEMAS, PAYLOAD_SCHEMAS } from '../../gateway/outputs/payload-schemas.ts';
import { COMMAND_NAMES } from '../../gateway/commands/command-schemas.ts';
import { ErrorCounter } from '../../gateway/core/errors.ts';
import { CommandActors, tokenSha256 } from '../../gateway/outputs/command-actors.ts';
import { MqttCommandListener } from '../../gateway/outputs/command-listener.ts';
import { TOPIC_SPECS, Topics, topicLevel } from '../../gateway/outputs/topics.ts';

const doc = readFileSync(new URL('../../docs/mqtt.md', import.meta.url), 'utf8');

t.test('docs/mqtt.md is the rendering of the code (regenerate with node --import tsx gateway/outputs/mqtt-doc.ts)', async (t) => {
  t.equal(doc, renderMqttDoc());
});

t.test('docs/mqtt.md names every topic the Topics builder makes, with its QoS and retain flag', async (t) => {
  const topics = new Topics('plant-1', 'gw-a');
  const built = [topics.status(), topics.attention('<wearer>'), topics.alerts(), topics.decisions(), topics.device('<device>'), topics.command('<command>'), topics.replies(), topics.vehicleSpeed('<wearer>'), topics.summary('<wearer>'), topics.outbox()];
  t.equal(built.length, TOPIC_SPECS.length, 'every spec has a builder');
  for (const full of built) {
    const rel = full.slice(`${topics.base}/`.length);
    const spec = TOPIC_SPECS.find((s) => s.pattern === rel);
    t.ok(spec, `${rel} is in TOPIC_SPECS`);
    t.match(doc, `| \`${rel}\` | `, `${rel} is documented`);
    if (spec) t.match(doc, `| \`${rel}\` | ${spec.direction === 'out' ? 'gateway -> line' : 'line -> gateway'} | ${spec.qos} | ${spec.retain ? 'yes' : 'no'} |`);
  }
  for (const name of [...Object.keys(PAYLOAD_SCHEMAS), ...Object.keys(INBOUND_SCHEMAS), ...COMMAND_NAMES]) t.match(doc, `### ${name}`, `${name} schema documented`);
});

t.test('inbound examples validate, and every documented command example is accepted by the listener as written', async (t) => {
  const ajv = new Ajv({ strict: false });
  for (const [name, schema] of Object.entries(INBOUND_SCHEMAS)) {
    const valid = ajv.compile(schema);
    t.ok(valid(INBOUND_EXAMPLES[name as keyof typeof INBOUND_EXAMPLES]), `${name} example`);
    t.notOk(valid({ ...INBOUND_EXAMPLES[name as keyof typeof INBOUND_EXAMPLES], unexpected: 1 }), `${name} refuses unknown fields`);
  }
  t.same(commandSchemas().map((s) => (s.properties['command'] as unknown as { const: string }).const), [...COMMAND_NAMES], 'one schema per command name');
  const executed: unknown[] = [];
  const published: string[] = [];
  const listener = new MqttCommandListener({
    transport: { topics: new Topics('plant-1', 'gw-a'), protocolVersion: 5, subscribe: () => undefined, publish: async (_t, p) => (published.push(String(p)), true) },
    port: { execute: async (c) => (executed.push(c), { correlationId: (c as { correlationId: string }).correlationId, command: (c as { command: string }).command, ok: true, ts: 1 }) },
    actors: new CommandActors([{ id: 'sup-7a', role: 'supervisor', tokenSha256: tokenSha256('…') }, { id: 'mes-line-1', role: 'line_system' }]),
    errors: new ErrorCounter(),
  });
  for (const [name, example] of Object.entries(COMMAND_EXAMPLES)) {
    const reply = await listener.handle(`afg/v1/plant-1/gw-a/cmd/${name}`, Buffer.from(JSON.stringify(example)), { retain: false } as never);
    t.equal(reply.ok, true, `${name} example accepted: ${reply.reason ?? ''}`);
  }
  t.equal(executed.length, COMMAND_NAMES.length);
  t.ok(executed.every((c) => !('actor' in (c as object)) && !('token' in (c as object))), 'envelope fields are not passed on');
});

t.test('each documented example validates against its schema, and a wrong one does not', async (t) => {
  const ajv = new Ajv({ strict: false });
  for (const [name, schema] of Object.entries(PAYLOAD_SCHEMAS)) {
    const valid = ajv.compile(schema);
    const example = PAYLOAD_EXAMPLES[name as keyof typeof PAYLOAD_EXAMPLES];
    t.ok(valid(example), `${name} example: ${JSON.stringify(valid.errors ?? [])}`);
    t.notOk(valid({ ...example, unexpected: 1 }), `${name} refuses unknown fields`);
    const { ts: _ts, ...withoutTs } = example as { ts: number };
    t.notOk(valid(withoutTs), `${name} requires ts`);
  }
});

t.test('topic builders: site/gateway validated, ids made into one level', async (t) => {
  t.throws(() => new Topics('plant/1', 'gw'), RangeError);
  t.throws(() => new Topics('plant', 'gw+'), RangeError);
  t.throws(() => new Topics('', 'gw'), RangeError);
  const topics = new Topics('p', 'g');
  t.equal(topics.attention('op-7f3a'), 'afg/v1/p/g/wearers/op-7f3a/attention');
  t.equal(topics.device('aa:bb:cc'), 'afg/v1/p/g/devices/aa:bb:cc/status');
  t.equal(topics.attention('a/b#c+'), 'afg/v1/p/g/wearers/a_b_c_/attention');
  t.equal(topicLevel(''), '_');
  t.equal(topics.commands(), 'afg/v1/p/g/cmd/+');
});
