import t from 'tap';
import { statSync } from 'node:fs';
import { EventBus } from '../../gateway/core/event-bus.ts';
import { ErrorCounter } from '../../gateway/core/errors.ts';
import type { Alert } from '../../gateway/core/types.ts';
import { MqttSink } from '../../gateway/outputs/mqtt-sink.ts';
import { Outbox } from '../../gateway/outputs/outbox.ts';
import { AlertLedger } from '../helpers/alert-ledger.ts';
import { startMosquitto } from '../helpers/mosquitto.ts';
import { startConnectSpy } from '../helpers/mqtt-connect-spy.ts';
import { requireBinary } from '../helpers/system-binary.ts';

const skip = requireBinary('mosquitto');

t.test('5000 alerts from 20 wearers while the broker restarts 5 times: none lost, order kept, memory and disk bounded', { skip }, async (t) => {
  const broker = await startMosquitto();
  t.teardown(() => broker.stop());
  const gate = await startConnectSpy(broker.port);
  t.teardown(() => gate.close());
  const ledger = await AlertLedger.connect(broker.url, 'afg/v1/s/g/alerts');
  t.teardown(() => ledger.close());
  const dir = t.testdir();
  const errors = new ErrorCounter();
  const bus = new EventBus();
  const outbox = await Outbox.open({ dir, errors });
  const sink = new MqttSink({ url: gate.url, site: 's', gateway: 'g', version: 'test', bus, outbox, errors, toEpochMs: (x) => x, reconnectMinMs: 50, reconnectMaxMs: 200 });
  await sink.start();
  t.teardown(() => sink.stop(300));

  const N = 5000;
  const raised: string[] = [];
  let n = 0;
  const heap: number[] = [];
  const logBytes: number[] = [];
  const raise = (k: number) => {
    for (let i = 0; i < k && n < N; i++, n++) {
      const w = `op-${(0x1000 + (n % 20)).toString(16)}`;
      const a: Alert = { id: `al-${n}`, rev: 0, wearer: w, role: 'operator', kind: 'fatigue', level: 1, raisedAt: 1_700_000_000_000 + n, evidence: { n }, state: 'active' };
      raised.push(`al-${n}:0`);
      bus.emit('alert', a);
    }
  };
  for (let r = 0; r < 5; r++) {
    raise(500); // while connected
    await new Promise((res) => setTimeout(res, 200));
    gate.gate(false);
    if (r % 2) await broker.kill();
    else await broker.stop();
    raise(500); // while the broker is away
    await new Promise((res) => setTimeout(res, 300));
    heap.push(process.memoryUsage().heapUsed);
    logBytes.push(statSync(outbox.file).size);
    const upAt = Date.now();
    await broker.start();
    await ledger.resubscribed(upAt);
    gate.gate(true);
    await new Promise<void>((res) => {
      const check = () => (outbox.depth() === 0 && sink.connected ? res() : setTimeout(check, 20));
      check();
    });
  }
  const end = Date.now() + 20_000;
  while (ledger.missing(raised).length && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
  t.same(ledger.missing(raised), [], `all ${N} delivered (${ledger.raw.length - ledger.unique().length} duplicates)`);
  t.same(ledger.outOfOrder(), [], 'in order per wearer');
  t.equal(outbox.dropped, 0);
  t.ok(Math.max(...heap) - heap[0]! < 50e6, `heap bounded: ${heap.map((h) => Math.round(h / 1e6)).join(' ')} MB`);
  t.ok(Math.max(...logBytes) < 2e6, `outbox file bounded: ${logBytes.join(' ')} bytes`);
  await outbox.close();
});
