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

t.test('gateway SIGKILLed during a 60 s broker outage and restarted: every alert persisted before the kill is delivered', { skip }, async (t) => {
  const dir = t.testdir();
  const broker = await startMosquitto();
  t.teardown(() => broker.stop());
  const gate = await startConnectSpy(broker.port); // see fault-broker-outage.test.ts
  t.teardown(() => gate.close());
  const ledger = await AlertLedger.connect(broker.url, `${BASE}/alerts`);
  t.teardown(() => ledger.close());
  const dataDir = `${dir}/data`;
  const config = writeConfig(`${dir}/plant.json`, {
    site: 'plant-1',
    gateway: 'gw-a',
    dataDir,
    dashboard: { port: 0 },
    mqtt: { url: gate.url, reconnectMinMs: 200, reconnectMaxMs: 2000 },
    simulation: { enabled: true, scenario: ALERT_STORM, gazeRateHz: 30 },
  });
  const gw1 = spawnGateway({ config });
  t.teardown(() => void gw1.kill());
  await gw1.dashboardUrl;
  t.ok(await waitFor(() => ledger.unique().length >= 3, 60_000), 'alerts flow before the outage');

  gate.gate(false);
  await broker.kill();
  const downAt = Date.now();
  await new Promise((r) => setTimeout(r, 25_000));
  t.ok(((await gw1.health())?.outboxDepth ?? 0) > 5, 'alerts waiting in the outbox');
  await gw1.kill(); // SIGKILL, as a power cut would
  const persisted = outboxPendingIds(dataDir);
  t.ok(persisted.length > 5, `${persisted.length} alerts were on disk (fsync'ed) at the kill`);

  const gw2 = spawnGateway({ config });
  t.teardown(() => void gw2.kill());
  await gw2.dashboardUrl;
  const h = await gw2.health();
  t.ok((h?.outboxDepth ?? 0) >= persisted.length, `the restarted gateway recovered them (depth ${h?.outboxDepth})`);
  while (Date.now() - downAt < OUTAGE_MS) await new Promise((r) => setTimeout(r, 1000));

  const upAt = Date.now();
  await broker.start();
  await ledger.resubscribed(upAt);
  gate.gate(true);
  t.ok(await waitFor(() => ledger.missing(persisted).length === 0, 60_000), 'every alert persisted before the kill arrived');
  t.same(ledger.missing(persisted), []);
  t.ok(await waitFor(async () => (await gw2.health())?.outboxDepth === 0, 60_000), 'the outbox drains');
  t.equal(await gw2.stop(), 0);

  // and over both runs: whatever the store recorded as raised reached the line system
  const raised = storedAlertKeys(dataDir);
  const stillPending = new Set(outboxPendingIds(dataDir));
  await waitFor(() => ledger.missing([...raised].filter((k) => !stillPending.has(k))).length === 0, 10_000);
  t.same(ledger.missing([...raised].filter((k) => !stillPending.has(k))), [], `every stored alert arrived (${raised.size})`);
  t.same(ledger.outOfOrder(), [], 'in order per wearer after de-duplication');
});
