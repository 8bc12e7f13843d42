import t from 'tap';
import { fileURLToPath } from 'node:url';
import { spawnGateway, waitFor, writeConfig } from '../helpers/gateway-process.ts';
import { startMosquitto } from '../helpers/mosquitto.ts';
import { requireBinary } from '../helpers/system-binary.ts';

const skip = requireBinary('mosquitto');
const ALERT_STORM = fileURLToPath(new URL('./fixtures/alert-storm.yaml', import.meta.url));

type Health = { status: string; reasons: string[]; errors: Record<string, number> };

t.test('a second box started with the same site and gateway ids: both say so on /health until it stops', { skip }, async (t) => {
  const broker = await startMosquitto();
  t.teardown(() => broker.stop());
  const dir = t.testdir();
  // a copied config with only the client id changed (else the two would take the connection from each other)
  const start = (box: string) => {
    const gw = spawnGateway({
      config: writeConfig(`${dir}/${box}.json`, {
        site: 'plant-1',
        gateway: 'gw-a',
        dataDir: `${dir}/data-${box}`,
        dashboard: { port: 0 },
        mqtt: { url: broker.url, clientId: `gw-a-${box}` },
        simulation: { enabled: true, scenario: ALERT_STORM, gazeRateHz: 30 },
      }),
    });
    t.teardown(() => void gw.kill());
    return gw;
  };
  const health = async (gw: ReturnType<typeof start>) => (await gw.health()) as unknown as Health | null;
  const flagged = async (gw: ReturnType<typeof start>) => (await health(gw))?.reasons.some((r) => r.startsWith('AFG_E_MQTT_DUPLICATE_GATEWAY: another process publishes as afg/v1/plant-1/gw-a')) ?? false;

  const first = start('box-1');
  await first.dashboardUrl;
  t.ok(await waitFor(async () => (await health(first))?.status === 'ready', 30_000), 'alone: ready');
  const second = start('box-2');
  await second.dashboardUrl;
  const both = await waitFor(async () => (await flagged(first)) && (await flagged(second)), 30_000);
  t.ok(both, 'both name the duplicate on /health');
  // what each one logged, for the next person who sees this fail
  if (!both) for (const gw of [first, second]) t.comment(gw.output().split('\n').filter((l) => /MQTT|DUPLICATE/.test(l)).join('\n'));
  for (const gw of [first, second]) {
    const h = (await health(gw))!;
    t.equal(h.status, 'degraded');
    t.ok((h.errors['AFG_E_MQTT_DUPLICATE_GATEWAY'] ?? 0) >= 1, 'counted');
    t.equal(gw.output().match(/"msg":"AFG_E_MQTT_DUPLICATE_GATEWAY/g)?.length ?? 0, 1, 'logged once');
  }
  t.equal(await second.stop(), 0);
  t.ok(await waitFor(async () => !(await flagged(first)), 10_000), "the second one's clean stop clears it");
  t.equal(await first.stop(), 0);
});
