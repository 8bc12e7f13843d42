import t from 'tap';
import { fileURLToPath } from 'node:url';
import { startMosquitto } from '../helpers/mosquitto.ts';
import { spawnGateway, waitFor, writeConfig } from '../helpers/gateway-process.ts';
import { SparkplugHost } from '../helpers/sparkplug-host.ts';
import { requireBinary } from '../helpers/system-binary.ts';

const skip = requireBinary('mosquitto');
const ALERT_STORM = fileURLToPath(new URL('./fixtures/alert-storm.yaml', import.meta.url));

t.test('the gateway process as a Sparkplug edge node: waits for the primary host, alerts as DDATA, SIGKILL -> NDEATH, restart -> next bdSeq', { skip }, async (t) => {
  const broker = await startMosquitto();
  t.teardown(() => broker.stop());
  const dir = t.testdir();
  const host = await SparkplugHost.connect(broker.url, 'line-7', { hostId: 'ignition-1' });
  t.teardown(() => host.close());
  const config = writeConfig(`${dir}/plant.json`, {
    site: 'plant-1',
    gateway: 'gw-a',
    dataDir: `${dir}/data`,
    dashboard: { port: 0 },
    mqtt: { url: broker.url },
    sparkplug: { enabled: true, groupId: 'line-7', primaryHostId: 'ignition-1', publishPeriodMs: 500 },
    simulation: { enabled: true, scenario: ALERT_STORM, gazeRateHz: 30 },
  });
  const gw1 = spawnGateway({ config });
  t.teardown(() => void gw1.kill());
  await gw1.dashboardUrl;
  await new Promise((r) => setTimeout(r, 1500));
  t.equal(host.of('NBIRTH').length, 0, 'no birth while the primary host has not said online');
  await host.state('ignition-1', true, Date.now());
  t.ok(await waitFor(() => host.of('DBIRTH').length === 3, 30_000), 'NBIRTH and a DBIRTH per wearer after STATE online');
  t.same(host.of('DBIRTH').map((m) => m.device).sort(), ['dr-19c2', 'dr-4b8e', 'op-2c91']);
  t.ok(await waitFor(() => host.history('dr-19c2', 'Alerts/distraction/Level').some((h) => (h.value as number) > 0), 60_000), 'a distraction alert as DDATA');
  t.ok(await waitFor(() => host.history('op-2c91', 'Attention/State').some((h) => h.value === 'sensor_lost'), 60_000), 'sensor loss is a state, not eyes closed');
  const bd1 = host.nbirthBdSeqs[0]!;

  await gw1.kill(); // SIGKILL: no NDEATH from the gateway, the broker sends its Will
  t.ok(await waitFor(() => host.ndeathBdSeqs.length === 1, 30_000), 'NDEATH from the Will after SIGKILL');
  t.equal(host.ndeathBdSeqs[0], bd1, 'with the bdSeq of the session it ends');

  const gw2 = spawnGateway({ config });
  t.teardown(() => void gw2.kill());
  t.ok(await waitFor(() => host.nbirthBdSeqs.length === 2, 60_000), 'NBIRTH after the restart (the host is still online: retained STATE)');
  t.equal(host.nbirthBdSeqs[1], (bd1 + 1) % 256, 'bdSeq continues from disk');
  await gw2.dashboardUrl; // fully started (the births come before the dashboard), then stop
  t.equal(await gw2.stop(), 0);
  t.ok(await waitFor(() => host.ndeathBdSeqs.length === 2, 30_000), 'NDEATH at the clean stop');
  t.equal(host.ndeathBdSeqs[1], host.nbirthBdSeqs[1]);
  t.same(host.violations, [], 'every Sparkplug rule the host checks held');
});
