import t from 'tap';
import { pino } from 'pino';
import { startGateway } from '../../gateway/app/gateway-app.ts';
import { validateConfig } from '../../gateway/config/load-config.ts';
import { configUsers } from './auth-fixture.ts';
import { artefact, HOSTILE, launch, signInOnPage, skipBrowser, watch } from './browser-fixture.ts';

// A small simulated floor whose one operator alert lasts long enough for a person (or a loaded
// CI machine) to acknowledge it: the eye tracker of op-0b01 loses the eyes from 4 s for 3 min.
const SCENARIO = `
loopS: 600
stations:
  - { id: st-a, name: "Press ${HOSTILE}", x: 0, y: 0, safetyCritical: true }
  - { id: st-b, name: "Assembly", x: 1, y: 0 }
wearers:
  - wearer: op-0b01
    role: operator
    station: st-a
    seed: 3
    segments:
      - { at: 4, duration: 180, state: sensor_loss, params: { sensors: gaze } }
  - { wearer: op-0b02, role: operator, station: st-b, seed: 4 }
  - wearer: dr-0d01
    role: driver
    seed: 5
    vehicle: { speedMps: 3 }
    segments:
      - { at: 3, duration: 200, state: glance_away, params: { targetDeg: [35, -15] } }
`;

t.test('end to end in Chromium against the real gateway and simulator: live floor, sign in, acknowledge an alert, see it move, audit trail', { skip: skipBrowser }, async (t) => {
  const dir = t.testdir({ 'floor.yaml': SCENARIO });
  const config = validateConfig({
    site: 'e2e-plant',
    gateway: 'gw-e2e',
    dataDir: `${dir}/data`,
    mqtt: { embeddedPort: 0 },
    dashboard: { port: 0, auth: { users: await configUsers() } },
    simulation: { enabled: true, scenario: 'floor.yaml', seed: 1, gazeRateHz: 60 },
  });
  const gw = await startGateway({ config, baseDir: dir, version: 'e2e', logger: pino({ level: 'silent' }) });
  t.teardown(() => gw.stop());
  const browser = await launch();
  t.teardown(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const problems = await watch(page);

  await page.goto(gw.dashboardUrl!);
  await page.locator('#live.ok').waitFor({ timeout: 15_000 });
  const load = await page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
    return { domContentLoaded: nav.domContentLoadedEventEnd, loaded: nav.loadEventEnd };
  });
  t.comment(`page load on the running gateway: DOMContentLoaded ${load.domContentLoaded.toFixed(0)} ms, load ${load.loaded.toFixed(0)} ms`);
  t.ok(load.loaded < 5000, 'the page loads (generous bound; the figure is in the comment)');
  t.equal(await page.locator('#site').textContent(), 'e2e-plant');
  t.equal(await page.locator('[data-station]').count(), 2);
  t.equal(await page.locator('img').count(), 0, 'the hostile station name made no element');

  // live from the simulator: estimates arrive, then the eye tracker loses the eyes
  await page.locator('[data-wearer="op-0b02"]:not([data-state="unknown"])').waitFor({ timeout: 30_000 });
  t.match(await page.locator('[data-wearer="op-0b02"]').textContent(), /op-0b02 \S+.* · \d+%/, 'a state and a score, live');
  await page.locator('[data-wearer="op-0b01"][data-state="sensor_lost"]').waitFor({ timeout: 30_000 });
  const row = page.locator('tr[data-alert].active', { hasText: 'sensor_lost' });
  await row.waitFor({ timeout: 30_000 });
  t.equal(await row.locator('button[data-action="ack"]').count(), 0, 'no acknowledge button before signing in');
  await page.screenshot({ path: artefact('e2e-floor-live.png'), fullPage: true });

  await signInOnPage(page);
  t.match(await page.locator('#who').textContent(), /Signed in: sup-1 \(supervisor\)/);
  const driverRow = page.locator('tr[data-alert]', { hasText: 'dr-0d01' }).first();
  await driverRow.waitFor({ timeout: 30_000 });
  t.equal(await driverRow.locator('button[data-action="ack"]').count(), 0, 'driver alerts are acknowledged in the cab, never from here');
  t.match(await driverRow.textContent(), /acknowledged in the cab/);

  const alertId = (await row.getAttribute('data-alert'))!;
  const activeBefore = Number(await page.locator('#alert-filter [data-filter="active"] .count').textContent());
  await row.locator('button[data-action="ack"]').click();
  await page.locator('#action-dialog[open]').waitFor();
  const note = `checked the tracker ${HOSTILE} & "reseated" it`;
  await page.locator('#action-note').fill(note);
  await page.locator('#action-submit').click();
  await page.locator('#action-dialog:not([open])').waitFor({ state: 'attached', timeout: 15_000 });

  // the alert moves from active to acknowledged (its row, the counts, the map)
  const moved = page.locator(`tr[data-alert="${alertId}"].acked`);
  await moved.waitFor({ timeout: 15_000 });
  t.match(await moved.locator('.astate').textContent(), /acknowledged/);
  t.equal(await moved.locator('.by').textContent(), 'sup-1', 'who acknowledged it, on the row');
  t.equal(Number(await page.locator('#alert-filter [data-filter="acked"] .count').textContent()), 1);
  t.equal(Number(await page.locator('#alert-filter [data-filter="active"] .count').textContent()), activeBefore - 1);
  t.match(await page.locator('[data-wearer="op-0b01"]').textContent(), /sensor_lost \(acked\)/);
  await page.locator('#alert-filter [data-filter="acked"]').click();
  t.equal(await page.locator('tr[data-alert]').count(), 1, 'the Acknowledged filter shows it');
  await page.screenshot({ path: artefact('e2e-alert-acknowledged.png'), fullPage: true });
  await page.locator('#alert-filter [data-filter="all"]').click();

  // full audit trail: who, when, what, the note as typed (text, not markup)
  await moved.locator('button[data-action="history"]').click();
  const audit = page.locator('#history-audit tr[data-audit="alert.ack"]');
  await audit.waitFor({ timeout: 10_000 });
  const cells = await audit.locator('td').allTextContents();
  t.match(cells[0], /\d{2}:\d{2}:\d{2}/, 'when');
  t.equal(cells[1], 'sup-1 (supervisor) via http', 'who, in which role, which way');
  t.equal(cells[2], 'alert.ack', 'what');
  t.equal(cells[3], note, 'the note exactly as typed');
  t.equal(cells[4], 'done');
  t.ok((await page.locator('#history-steps tr').count()) >= 2, 'the revisions: raised, acknowledged');
  t.equal(await page.locator('img').count(), 0, 'the note made no element');
  await page.screenshot({ path: artefact('e2e-alert-history.png') });
  await page.locator('#history-close').click();

  const api = (await (await fetch(`${gw.dashboardUrl}/api/audit?target=${encodeURIComponent(alertId)}`)).json()) as { actor: string; action: string; note: string; via: string }[];
  t.match(api[0], { actor: 'sup-1', action: 'alert.ack', note, via: 'http' }, 'the ack is in the gateway store');

  // wearer detail: 15-minute charts and the wearer's devices
  await page.locator('[data-wearer="op-0b02"]').click();
  await page.locator('#wearer-dialog[open] #wearer-charts canvas').first().waitFor({ timeout: 10_000 });
  t.equal(await page.locator('#wearer-charts figure').count(), 3, 'score/PERCLOS, blinks, heart rate/HRV');
  await page.locator('#wearer-devices tr[data-device]').first().waitFor({ timeout: 10_000 });
  t.ok((await page.locator('#wearer-devices tr[data-device]').count()) >= 2, 'eye tracker and heart-rate strap');
  t.equal(await page.locator('#wearer-gaze-section').isHidden(), true, 'no raw gaze unless the config allows it');
  await page.screenshot({ path: artefact('e2e-wearer-detail.png') });
  await page.keyboard.press('Escape');
  await page.locator('#wearer-dialog:not([open])').waitFor({ state: 'attached' });

  await page.locator('#sign-out').click();
  await page.locator('#sign-in:not([hidden])').waitFor({ timeout: 10_000 });
  t.equal(await page.locator('button[data-action="ack"], button[data-action="shelve"]').count(), 0, 'signed out: no write buttons');
  t.same(problems, [], 'no console errors, CSP violations or dialogs');
});

t.test('end to end: a real scheduler decision shows with its reason and inputs; a supervisor accepts it through the real CommandPort', { skip: skipBrowser }, async (t) => {
  // a two-station floor and a scheduler tuned to propose a slower line as soon as the smoothed
  // capacity is known (capacityLow 0.99, no hold): the proposal comes within about a minute
  const dir = t.testdir({
    'floor.yaml': `
stations:
  - { id: st-a, name: "Press", x: 0, y: 0 }
  - { id: st-b, name: "Assembly", x: 1, y: 0 }
wearers:
  - { wearer: op-0b01, role: operator, station: st-a, seed: 3 }
  - { wearer: op-0b02, role: operator, station: st-b, seed: 4 }
`,
  });
  const config = validateConfig({
    site: 'e2e-plant',
    gateway: 'gw-dec',
    dataDir: `${dir}/data`,
    mqtt: { embeddedPort: 0 },
    dashboard: { port: 0, auth: { users: await configUsers() } },
    scheduler: { periodS: 1, capacityLow: 0.99, capacityRestore: 0.995, capacityHoldS: 0, decisionTtlS: 600 },
    simulation: { enabled: true, scenario: 'floor.yaml', seed: 1, gazeRateHz: 60 },
  });
  const gw = await startGateway({ config, baseDir: dir, version: 'e2e', logger: pino({ level: 'silent' }) });
  t.teardown(() => gw.stop());
  const browser = await launch();
  t.teardown(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const problems = await watch(page);
  await page.goto(gw.dashboardUrl!);
  await page.locator('#live.ok').waitFor({ timeout: 15_000 });
  await signInOnPage(page);
  const row = page.locator('tr[data-decision].pending', { hasText: 'line_speed' }).first();
  await row.waitFor({ timeout: 150_000 });
  const cells = await row.locator('td').allTextContents();
  t.equal(cells[1], 'line_speed');
  t.match(cells[4], /line speed 100% -> \d+%: fleet capacity/, 'the reason');
  t.match(cells[5], /capacity = [\d.]+; knownShare = 1; from = 1; to = [\d.]+/, 'the inputs');
  const id = (await row.getAttribute('data-decision'))!;
  await row.locator('button[data-action="accept"]').click();
  await page.locator('#action-note').fill('line lead agrees');
  await page.locator('#action-submit').click();
  const accepted = page.locator(`tr[data-decision="${id}"].accepted`);
  await accepted.waitFor({ timeout: 15_000 });
  t.match(await accepted.locator('.dstate').textContent(), /✓ accepted by sup-1/);
  const audit = (await (await fetch(`${gw.dashboardUrl}/api/audit?target=${encodeURIComponent(id)}`)).json()) as { actor: string; action: string; note: string; via: string }[];
  t.match(audit[0], { actor: 'sup-1', action: 'decision.accept', note: 'line lead agrees', via: 'http' }, 'audited in the gateway store');
  const effects = (await (await fetch(`${gw.dashboardUrl}/api/effects`)).json()) as { available: boolean };
  t.equal(effects.available, true, "the scheduler's effect summary is served");
  await page.locator('#effects-section:not([hidden])').waitFor({ timeout: 20_000 });
  await page.screenshot({ path: artefact('e2e-decision-accepted.png'), fullPage: true });
  t.same(problems, []);
});
