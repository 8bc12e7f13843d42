import t from 'tap';
import { readFile } from 'node:fs/promises';
import { replayDriverPolicy } from '../../gateway/policy/policy-replay.ts';

async function collect(src: string | AsyncIterable<string>): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const line of replayDriverPolicy(src)) out.push(JSON.parse(line));
  return out;
}

t.test('replays the example scenarios into level changes', async (t) => {
  const ex = (f: string) => readFile(new URL(`../../examples/policy/${f}`, import.meta.url), 'utf8');
  t.same(await collect(await ex('microsleep.ndjson')), [{ t: 3, kind: 'microsleep', level: 2 }, { t: 3.55, kind: 'microsleep', level: 0 }]);
  t.same(await collect(await ex('sensor-loss.ndjson')), [{ t: 3, kind: 'sensor_lost', level: 1 }, { t: 4.05, kind: 'sensor_lost', level: 0 }]);
  const long = await collect(await ex('long-distraction.ndjson'));
  t.same(long.slice(0, 3), [{ t: 4, kind: 'distraction', level: 1 }, { t: 6, kind: 'distraction', level: 2 }, { t: 11, kind: 'vats', level: 1 }]);
});

t.test('streamed input in odd chunks gives the same lines', async (t) => {
  const text = await readFile(new URL('../../examples/policy/long-distraction.ndjson', import.meta.url), 'utf8');
  async function* chunks() {
    for (let i = 0; i < text.length; i += 37) yield text.slice(i, i + 37);
  }
  t.same(await collect(chunks()), await collect(text));
});

t.test('a malformed line stops with its line number', async (t) => {
  await t.rejects(collect('{"t":0.05,"valid":true,"eyesOnRoad":true,"eyesClosed":false,"speedMps":1}\nnope\n'), { code: 'AFG_E_INPUT_INVALID', message: /line 2/ });
  await t.rejects(collect('{"t":0.05,"valid":"yes","eyesOnRoad":true,"eyesClosed":false,"speedMps":1}'), { message: /valid/ });
  await t.rejects(collect('{"t":0.05,"valid":true,"eyesOnRoad":true,"eyesClosed":false}'), { message: /speedMps/ });
});

t.test('time must increase; values must be in range; blank lines are skipped but counted', async (t) => {
  const ok = (tt: number, extra = '') => `{"t":${tt},"valid":true,"eyesOnRoad":true,"eyesClosed":false,"speedMps":1${extra}}`;
  await t.rejects(collect([ok(0.05), '', ok(0.05)].join('\n')), { code: 'AFG_E_INPUT_INVALID', message: /line 3: t 0.05 does not increase/ });
  await t.rejects(collect([ok(0.05), ok(0.1).replace('"speedMps":1', '"speedMps":-1')].join('\n')), { message: /line 2.*speedMps/ });
  await t.rejects(collect(ok(0.05, ',"kss":12')), { message: /kss/ });
  await t.rejects(collect('[1,2]'), { message: /line 1: not an object/ });
  t.same(await collect(['', ok(0.05, ',"kss":8'), '   ', ok(0.1, ',"kss":5')].join('\r\n')), [{ t: 0.05, kind: 'drowsy', level: 2 }, { t: 0.1, kind: 'drowsy', level: 0 }]);
});

t.test('settings pass through to the policy', async (t) => {
  const text = Array.from({ length: 40 }, (_, k) => `{"t":${(k + 1) / 20},"valid":true,"eyesOnRoad":false,"eyesClosed":false,"speedMps":5}`).join('\n');
  const out: unknown[] = [];
  for await (const line of replayDriverPolicy(text, { level1AfterS: 1 })) out.push(JSON.parse(line));
  t.same(out, [{ t: 1, kind: 'distraction', level: 1 }]);
});

t.test('example scenarios: VATS glances, unresponsive after the warning, ack after the warning', async (t) => {
  const ex = async (f: string) => collect(await readFile(new URL(`../../examples/policy/${f}`, import.meta.url), 'utf8'));
  t.same(await ex('vats-glances.ndjson'), [
    { t: 16, kind: 'vats', level: 1 },
    { t: 21.5, kind: 'vats', level: 0 },
  ], 'the fifth 2 s glance completes 10 s off road; 2 s attentive from 19.55 resets it');
  t.same(await ex('unresponsive-after-warning.ndjson'), [
    { t: 3, kind: 'distraction', level: 1 },
    { t: 5, kind: 'distraction', level: 2 },
    { t: 10, kind: 'vats', level: 1 },
    { t: 11, kind: 'distraction', level: 3 },
    { t: 14, kind: 'unresponsive', level: 3 },
    { t: 17, kind: 'distraction', level: 1 },
    { t: 17, kind: 'unresponsive', level: 0 },
    { t: 17.3, kind: 'distraction', level: 0 },
  ], 'standstill from 15.05 clears the sticky kinds at 17.0; the refilling buffer still says level 1 until 17.3');
  t.same(await ex('ack-after-warning.ndjson'), [
    { t: 3, kind: 'distraction', level: 1 },
    { t: 5, kind: 'distraction', level: 2 },
    { t: 10, kind: 'vats', level: 1 },
    { t: 11, kind: 'distraction', level: 3 },
    { t: 12.05, kind: 'distraction', level: 0 },
    { t: 13, kind: 'vats', level: 0 },
  ], 'an attentive tick at 11.05 answers the warning; the ack at 12.05 clears level 3');
});
