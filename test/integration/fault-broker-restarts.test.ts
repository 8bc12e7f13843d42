import t from 'tap';
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AlertLedger, outboxPendingIds, storedAlertKeys } from '../helpers/alert-ledger.ts';
import { spawnGateway, waitFor, writeConfig } from '../helpers/gateway-process.ts';
import { startMosquitto } from '../helpers/mosquitto.ts';
import { startConnectSpy } from '../helpers/mqtt-connect-spy.ts';
import { requireBinary } from '../helpers/system-binary.ts';

const skip = requireBinary('mosquitto');
const LOAD_FLOOR = fileURLToPath(new URL('./fixtures/load-floor.yaml', import.meta.url));
const BASE = 'afg/v1/plant-1/gw-a';
const RESTARTS = 6;

t.test('broker restarted repeatedly under load: no alert lost, memory and disk bounded', { skip }, async (t) => {
  const dir = t.testdir();
  const broker = await startMosquitto();
  t.teardown(() => broker.stop());
  const gate = await startConnectSpy(broker.port); // see fault-broker-outage.test.ts
  t.teardown(() => gate.close());
  const ledger = await AlertLedger.connect(broker.url, `${BASE}/alerts`);
  t.teardown(() => ledger.close());
  const dataDir = `${dir}/data`;
  const gw = spawnGateway({
    config: writeConfig(`${dir}/plant.json`, {
      site: 'plant-1',
      gateway: 'gw-a',
      dataDir,
      dashboard: { port: 0 },
      // load: attention at the fastest allowed rate, summaries through the outbox too
      mqtt: { url: gate.url, reconnectMinMs: 200, reconnectMaxMs: 1000, attentionPeriodMs: 100, summary: { enabled: true, periodMs: 10_000 } },
      simulation: { enabled: true, scenario: LOAD_FLOOR, gazeRateHz: 30 },
    }),
  });
  t.teardown(() => void gw.kill());
  await gw.dashboardUrl;
  t.ok(await waitFor(() => ledger.unique().length >= 5, 60_000), 'alerts flow');

  const rss: number[] = [gw.rssBytes()];
  const logBytes: number[] = [];
  const sample = () => {
    rss.push(gw.rssBytes());
    try {
      logBytes.push(statSync(`${dataDir}/outbox/outbox.log`).size);
    } catch {
      /* between compaction's rename and reopen */
    }
  };
  for (let i = 0; i < RESTARTS; i++) {
    gate.gate(false);
    if (i % 2) await broker.kill();
    else await broker.stop();
    await new Promise((r) => setTimeout(r, 3000));
    sample();
    const upAt = Date.now();
    await broker.start();
    await ledger.resubscribed(upAt);
    gate.gate(true);
    t.ok(await waitFor(async () => (await gw.health())?.outboxDepth === 0, 30_000), `restart ${i + 1} (${i % 2 ? 'SIGKILL' : 'SIGTERM'}): the outbox drains`);
    await new Promise((r) => setTimeout(r, 3000));
    sample();
  }
  t.equal(await gw.stop(), 0, 'clean stop');
  const raised = storedAlertKeys(dataDir);
  const stillPending = new Set(outboxPendingIds(dataDir));
  const expected = [...raised].filter((k) => !stillPending.has(k));
  await waitFor(() => ledger.missing(expected).length === 0, 10_000);
  t.same(ledger.missing(expected), [], `no alert lost over ${RESTARTS} restarts (${raised.size} raised, ${ledger.raw.length - ledger.unique().length} duplicates)`);
  t.same(ledger.outOfOrder(), [], 'in order per wearer');
  const mb = (b: number) => Math.round(b / 1e5) / 10;
  t.ok(Math.max(...rss) < 400e6, `gateway RSS bounded: ${rss.map(mb).join(' ')} MB`);
  t.ok(rss.at(-1)! - rss[1]! < 80e6, `no growth over the restarts (${mb(rss[1]!)} -> ${mb(rss.at(-1)!)} MB)`);
  t.ok(Math.max(...logBytes) < 2e6, `outbox file bounded: max ${Math.max(...logBytes)} bytes (compacted as entries are acknowledged)`);
});
