import t from 'tap';
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { PAYLOAD_EXAMPLES, renderMqttDoc } from '../../gateway/outputs/mqtt-doc.ts';
import { PAYLOAD_SCHEMAS } from '../../gateway/outputs/payload-schemas.ts';
import { TOPIC_SPECS, Topics, topicLevel } from '../../gateway/outputs/topics.ts';

const doc = readFileSync(new URL('../../docs/mqtt.md', import.meta.url), 'utf8');

t.test('docs/mqtt.md is the rendering of the code (regenerate with node --import tsx gateway/outputs/mqtt-doc.ts)', async (t) => {
  t.equal(doc, renderMqttDoc());
});

t.test('docs/mqtt.md names every topic the Topics builder makes, with its QoS and retain flag', async (t) => {
  const topics = new Topics('plant-1', 'gw-a');
  const built = [topics.status(), topics.attention('<wearer>'), topics.alerts(), topics.decisions(), topics.device('<device>'), topics.command('<command>'), topics.replies()];
  t.equal(built.length, TOPIC_SPECS.length, 'every spec has a builder');
  for (const full of built) {
    const rel = full.slice(`${topics.base}/`.length);
    const spec = TOPIC_SPECS.find((s) => s.pattern === rel);
    t.ok(spec, `${rel} is in TOPIC_SPECS`);
    t.match(doc, `| \`${rel}\` | `, `${rel} is documented`);
    if (spec) t.match(doc, `| \`${rel}\` | ${spec.direction === 'out' ? 'gateway -> line' : 'line -> gateway'} | ${spec.qos} | ${spec.retain ? 'yes' : 'no'} |`);
  }
  for (const name of Object.keys(PAYLOAD_SCHEMAS)) t.match(doc, `### ${name}`, `${name} schema documented`);
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
  t.equal(topics.commands(), 'afg/v1/p/g/cmd/#');
});
