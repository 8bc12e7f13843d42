import t from 'tap';
import { pino } from 'pino';
import { startGateway } from '../../gateway/app/gateway-app.ts';
import { validateConfig } from '../../gateway/config/load-config.ts';
import { startMosquitto } from '../helpers/mosquitto.ts';
import { requireBinary } from '../helpers/system-binary.ts';
import { artefact, HOSTILE, launch, skipBrowser, watch } from './browser-fixture.ts';

const skip = skipBrowser || requireBinary('mosquitto');

const scenario = (wearer: string, lost: boolean) => `
stations:
  - { id: st-1, name: "Line ${HOSTILE}", x: 0, y: 0 }
wearers:
  - wearer: ${wearer}
    role: operator
    station: st-1
    seed: 7
    segments:
${lost ? '      - { at: 3, duration: 300, state: sensor_loss, params: { sensors: gaze } }' : '      - { at: 300, duration: 1, state: idle }'}
`;

t.test('floor mode in Chromium: gateway A shows itself and gateway B from a real Mosquitto, live, and B going offline', { skip }, async (t) => {
  const broker = await startMosquitto();
  t.teardown(() => broker.stop());
  const dir = t.testdir({ 'a.yaml': scenario('op-0a01', false), 'b.yaml': scenario('op-0b01', true) });
  const cfg = (gw: string, file: string, floorMode: boolean) =>
    validateConfig({
      site: 'plant-fm',
      gateway: gw,
      dataDir: `${dir}/data-${gw}`,
      mqtt: { url: broker.url, attentionPeriodMs: 500 },
      dashboard: { port: 0, floorMode: { enabled: floorMode, offlineAfterS: 10 } },
      simulation: { enabled: true, scenario: file, seed: 1, gazeRateHz: 60 },
    });
  const b = await startGateway({ config: cfg('gw-b', 'b.yaml', false), baseDir: dir, version: '1.0.0', logger: pino({ level: 'silent' }) });
  let bStopped = false;
  t.teardown(() => (bStopped ? undefined : b.stop()));
  const a = await startGateway({ config: cfg('gw-a', 'a.yaml', true), baseDir: dir, version: '1.0.0', logger: pino({ level: 'silent' }) });
  t.teardown(() => a.stop());

  const browser = await launch();
  t.teardown(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 1400, height: 1100 } });
  const problems = await watch(page);
  await page.goto(a.dashboardUrl!);
  await page.locator('#live.ok').waitFor({ timeout: 15_000 });
  await page.locator('#site-section:not([hidden])').waitFor({ timeout: 10_000 });
  t.match(await page.locator('#site-title').textContent(), /Site plant-fm/);
  await page.locator('#site-broker', { hasText: 'connected to mqtt://127.0.0.1' }).waitFor({ timeout: 15_000 });

  const cardA = page.locator('[data-gateway="gw-a"]');
  const cardB = page.locator('[data-gateway="gw-b"]');
  await cardA.locator('[data-role="status"]', { hasText: '● online' }).waitFor({ timeout: 20_000 });
  await cardB.locator('[data-role="status"]', { hasText: '● online' }).waitFor({ timeout: 20_000 });
  t.match(await cardA.locator('.name').textContent(), /gw-a \(this gateway\)/);
  await page.locator('[data-site-wearer="gw-a/op-0a01"]').waitFor({ timeout: 20_000 });
  await page.locator('[data-site-wearer="gw-b/op-0b01"]').waitFor({ timeout: 20_000 });
  // live from B's simulator over the broker: its eye tracker loses the eyes, an alert follows
  await page.locator('[data-site-wearer="gw-b/op-0b01"].lost').waitFor({ timeout: 30_000 });
  await cardB.locator('[data-site-alert]', { hasText: 'sensor_lost' }).waitFor({ timeout: 30_000 });
  t.match(await cardB.getAttribute('class'), /lvl-1/, 'the card of the gateway with an alert is marked');
  t.notMatch(String(await cardA.getAttribute('class')), /lvl-/, 'the quiet gateway stays grey');
  t.match(await cardB.locator('[data-site-alert]').first().textContent(), /◆ low sensor_lost — op-0b01 at st-1 \(active\)/);
  t.equal(await page.locator('img').count(), 0);
  await page.screenshot({ path: artefact('floor-mode-two-gateways.png'), fullPage: true });

  // B stops cleanly: its retained status says offline, A's dashboard shows it
  bStopped = true;
  await b.stop();
  await cardB.locator('[data-role="status"]', { hasText: '⊘ offline' }).waitFor({ timeout: 20_000 });
  t.match(await cardB.getAttribute('class'), /lost/, 'an offline gateway is drawn dashed, with the word');
  await page.screenshot({ path: artefact('floor-mode-gateway-offline.png'), fullPage: true });
  t.same(problems, []);
});
