import t from 'tap';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { AlertLedger, outboxPendingIds, storedAlertKeys } from '../helpers/alert-ledger.ts';
import { metricValue, spawnGateway, waitFor, writeConfig } from '../helpers/gateway-process.ts';
import { startMosquitto } from '../helpers/mosquitto.ts';
import { startConnectSpy } from '../helpers/mqtt-connect-spy.ts';
import { mountSmallFilesystem, smallFilesystemUnavailable } from '../helpers/small-filesystem.ts';
import { requireBinary } from '../helpers/system-binary.ts';

// Issue 10 §4 "a full disk for the outbox", at the gateway level: `afg start` with its dataDir on
// a real 4 MiB tmpfs, the broker away (alerts wait in the outbox), then the disk filled to
// ENOSPC. The gateway must say so (AFG_E_OUTBOX_IO in the log, the metric and /health), keep
// raising alerts into memory, write them all to disk once space is back, and deliver every one
// when the broker returns. The store on the same disk fails and recovers too (AFG_E_STORE_IO);
// the end compares its record of what was raised with what arrived.
const skip = requireBinary('mosquitto') || smallFilesystemUnavailable() || false;
const ALERT_STORM = fileURLToPath(new URL('../integration/fixtures/alert-storm.yaml', import.meta.url));
const BASE = 'afg/v1/plant-1/gw-a';

t.test('gateway dataDir on a full disk: clear error, alerts kept in memory and counted, persisted and delivered once space is back', { skip }, async (t) => {
  const disk = mountSmallFilesystem(4 << 20);
  t.teardown(() => disk.unmount());
  const broker = await startMosquitto();
  t.teardown(() => broker.stop());
  const gate = await startConnectSpy(broker.port); // see fault-broker-outage.test.ts
  t.teardown(() => gate.close());
  const ledger = await AlertLedger.connect(broker.url, `${BASE}/alerts`);
  t.teardown(() => ledger.close());
  gate.gate(false); // the broker is away from the start: everything raised waits in the outbox
  const dataDir = path.join(disk.dir, 'data');
  const gw = spawnGateway({
    config: writeConfig(path.join(t.testdir(), 'plant.json'), {
      site: 'plant-1',
      gateway: 'gw-a',
      dataDir,
      dashboard: { port: 0 },
      mqtt: { url: gate.url, reconnectMinMs: 200, reconnectMaxMs: 1000 },
      simulation: { enabled: true, scenario: ALERT_STORM, gazeRateHz: 30 },
    }),
  });
  t.teardown(() => void gw.kill());
  await gw.dashboardUrl;
  const health = async () => (await gw.health()) as { outboxDepth: number; reasons: string[] } | null;
  const ioErrors = async () => {
    const v = metricValue(await gw.metrics(), 'afg_errors_total', 'code="AFG_E_OUTBOX_IO"');
    return Number.isNaN(v) ? 0 : v;
  };
  t.ok(await waitFor(() => outboxPendingIds(dataDir).length >= 3, 60_000), 'alerts are persisted in the outbox before the disk fills');
  t.equal(await ioErrors(), 0, 'no write failure yet');

  disk.fill();
  const depthAtFull = (await health())!.outboxDepth;
  t.ok(await waitFor(async () => (await ioErrors()) >= 1, 30_000), 'the failed write is counted in afg_errors_total{code="AFG_E_OUTBOX_IO"}');
  t.match(gw.output(), /AFG_E_OUTBOX_IO: the outbox cannot write to .*ENOSPC.*kept in memory/, 'the log names the code, the folder and the cause, and says what happens to the alerts');
  t.ok(await waitFor(async () => (await health())?.reasons.some((r) => /AFG_E_OUTBOX_IO: \d+ outbox entries held in memory only/.test(r)) ?? false, 10_000), '/health says how many entries live in memory only');
  t.ok(await waitFor(async () => ((await health())?.outboxDepth ?? 0) >= depthAtFull + 5, 60_000), 'alerts keep being raised into memory while the disk is full');
  const onDiskWhileFull = outboxPendingIds(dataDir).length;

  disk.free();
  t.ok(await waitFor(async () => !((await health())?.reasons.some((r) => r.startsWith('AFG_E_OUTBOX_IO')) ?? true), 15_000), 'once space is back nothing is held in memory only');
  t.match(gw.output(), /the outbox can write to disk again/);
  t.match(gw.output(), /AFG_E_STORE_IO: the store cannot write .*afg-store\.json.*ENOSPC/, 'the store (same disk) says so too');
  t.ok((await waitFor(async () => metricValue(await gw.metrics(), 'afg_errors_total', 'code="AFG_E_STORE_IO"') >= 1, 5000)), 'and counts it');
  t.ok(await waitFor(() => /the store can write to disk again/.test(gw.output()), 15_000), 'and writes again once space is back (a failed write used to stop it for good)');
  const persisted = outboxPendingIds(dataDir);
  t.ok(persisted.length > onDiskWhileFull, `the alerts raised while the disk was full are on disk now (${onDiskWhileFull} -> ${persisted.length})`);

  const upAt = Date.now();
  await ledger.resubscribed(upAt - 60_000);
  gate.gate(true);
  t.ok(await waitFor(async () => (await health())?.outboxDepth === 0, 60_000), 'the outbox drains when the broker is reachable');
  t.equal(await gw.stop(), 0, 'clean stop');
  const raised = storedAlertKeys(dataDir);
  const pending = new Set(outboxPendingIds(dataDir));
  const expected = [...raised].filter((k) => !pending.has(k));
  await waitFor(() => ledger.missing(expected).length === 0, 10_000);
  t.same(ledger.missing(expected), [], `every alert the gateway raised arrived (${raised.size} raised, ${pending.size} pending at the stop)`);
  t.same(ledger.outOfOrder(), [], 'in order per wearer');
});
