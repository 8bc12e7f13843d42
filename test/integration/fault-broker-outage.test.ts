import t from 'tap';
import { fileURLToPath } from 'node:url';
import { AlertLedger, outboxPendingIds, storedAlertKeys } from '../helpers/alert-ledger.ts';
import { spawnGateway, waitFor, writeConfig } from '../helpers/gateway-process.ts';
import { startMosquitto } from '../helpers/mosquitto.ts';
import { startConnectSpy } from '../helpers/mqtt-connect-spy.ts';
import { requireBinary } from '../helpers/system-binary.ts';

const skip = requireBinary('mosquitto');
const ALERT_STORM = fileURLToPath(new URL('./fixtures/alert-storm.yaml', import.meta.url));
const BASE = 'afg/v1/plant-1/gw-a';
const OUTAGE_MS = 60_000;

t.test('broker killed for 60 s while alerts are raised: afterwards every alert arrives, in order per wearer', { skip }, async (t) => {
  const dir = t.testdir();
  const broker = await startMosquitto();
  t.teardown(() => broker.stop());
  // the gateway reaches the broker through a gate, so that after the restart the line system
  // is subscribed again before the gateway gets in (otherwise the broker would accept, PUBACK and
  // deliver to nobody: a loss of the test's consumer, not of the gateway)
  const gate = await startConnectSpy(broker.port);
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
      mqtt: { url: gate.url, reconnectMinMs: 200, reconnectMaxMs: 2000 },
      simulation: { enabled: true, scenario: ALERT_STORM, gazeRateHz: 30 },
    }),
  });
  t.teardown(() => void gw.kill());
  await gw.dashboardUrl;
  t.ok(await waitFor(() => ledger.unique().length >= 3, 60_000), 'alerts flow before the outage');

  gate.gate(false);
  await broker.kill();
  const downAt = Date.now();
  const depths: number[] = [];
  while (Date.now() - downAt < OUTAGE_MS) {
    await new Promise((r) => setTimeout(r, 5000));
    depths.push((await gw.health())?.outboxDepth ?? -1);
  }
  t.ok(depths.at(-1)! > 10, `alerts kept in the outbox during the outage (depth every 5 s: ${depths.join(' ')})`);
  t.ok(depths.every((d, i) => i === 0 || d >= depths[i - 1]!), 'and none left it while the broker was away');

  const upAt = Date.now();
  await broker.start();
  await ledger.resubscribed(upAt);
  gate.gate(true);
  t.ok(await waitFor(async () => (await gw.health())?.outboxDepth === 0, 60_000), 'the outbox drains after the broker is back');
  t.equal(await gw.stop(), 0, 'clean stop');

  const raised = storedAlertKeys(dataDir);
  const stillPending = new Set(outboxPendingIds(dataDir));
  await waitFor(() => ledger.missing([...raised].filter((k) => !stillPending.has(k))).length === 0, 10_000);
  const missing = ledger.missing([...raised].filter((k) => !stillPending.has(k)));
  t.same(missing, [], `every alert the gateway raised arrived (${raised.size} raised, ${ledger.raw.length} messages, ${ledger.raw.length - ledger.unique().length} duplicates)`);
  t.ok(stillPending.size <= 2, `at most the last moment's alerts wait in the outbox for the next start (${stillPending.size})`);
  const duringOutage = ledger.unique().filter((a) => a.raisedAt >= downAt && a.raisedAt < upAt).length;
  t.ok(duringOutage >= 20, `${duringOutage} of them were raised while the broker was down`);
  t.same(ledger.outOfOrder(), [], 'in the order raised, per wearer (after de-duplication)');
});
