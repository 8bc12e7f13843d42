import t, { type Test } from 'tap';
import type { Page } from 'playwright-core';
import type { CommandContext } from '../../gateway/commands/command-port.ts';
import type { Alert, Decision } from '../../gateway/core/types.ts';
import { RawGazeTap } from '../../dashboard/raw-gaze-tap.ts';
import { FloorHistory } from '../../dashboard/wearer-history.ts';
import { EventBus } from '../../gateway/core/event-bus.ts';
import { storeRecords } from '../../dashboard/store-records.ts';
import type { AuditRecord } from '../../dashboard/read-routes.ts';
import { alert, decision, device, estimate, startDashboard, testLayout } from './floor-fixture.ts';
import { RecordingCommandPort, testAuth } from './auth-fixture.ts';
import { artefact, HOSTILE, launch, lowestContrast, signInOnPage, skipBrowser, unlabelledControls, watch } from './browser-fixture.ts';

/**
 * The plugin with login, an in-test CommandPort that behaves like the gateway's (applies the
 * command, emits the new revision on the bus, writes the audit trail) and a store-like record of
 * it: the browser-side flows are tested here without the simulator's timing.
 */
async function harness(o: { allowRawGaze?: boolean; effects?: boolean } = {}) {
  const store = { data: { alerts: {} as Record<string, { history: { rev: number; level: number; state: string; at: number; by?: string }[] }>, audit: [] as AuditRecord[] } };
  const commands = new RecordingCommandPort();
  const rawGaze = new RawGazeTap({ wearers: ['op-7f3a', 'op-21bc', 'dr-19c2'] });
  const bus = new EventBus();
  const history = new FloorHistory({ bus, wearers: ['op-7f3a', 'op-21bc', 'dr-19c2'], toEpochMs: (x) => Date.now() - 60_000 + x });
  const h = await startDashboard({
    bus,
    layout: testLayout(`Press ${HOSTILE}`),
    plugin: {
      auth: await testAuth(),
      commands,
      records: storeRecords(store),
      heartbeatMs: 1000,
      wearerPeriodMs: 100,
      allowRawGaze: o.allowRawGaze === true,
      rawGaze,
      history,
      ...(o.effects ? { effects: () => [{ kind: 'break', station: 'st-press', n: 4, meanDeltaScore: 0.12, meanDeltaPerclos: -0.04 }, { kind: `ack:${HOSTILE}`, station: null, n: 1, meanDeltaScore: null }] } : {}),
    },
  });
  const alerts = new Map<string, Alert>();
  const decisions = new Map<string, Decision>();
  h.bus.on('alert', (a) => {
    alerts.set(a.id, a);
    const e = (store.data.alerts[a.id] ??= { history: [] });
    e.history.push({ rev: a.rev, level: a.level, state: a.state, at: a.raisedAt, ...(a.by ? { by: a.by } : {}) });
  });
  h.bus.on('decision', (d) => decisions.set(d.id, d));
  commands.answer = (c: Record<string, unknown>, ctx: CommandContext) => {
    const ts = 1_700_000_100_000;
    const audit = (target: string) => store.data.audit.push({ at: ts, actor: ctx.actor, role: ctx.role, via: ctx.via, action: String(c['command']), target, ok: true, ...(typeof c['note'] === 'string' ? { note: c['note'] } : {}) });
    if (c['command'] === 'alert.ack' || c['command'] === 'alert.shelve') {
      const a = alerts.get(String(c['alertId']))!;
      const shelve = c['command'] === 'alert.shelve';
      const next: Alert = { ...a, rev: a.rev + 1, state: shelve ? 'shelved' : 'acked', by: ctx.actor, raisedAt: ts, ...(shelve ? { shelvedUntil: ts + Number(c['forS']) * 1000 } : {}) };
      h.bus.emit('alert', next);
      audit(a.id);
      return { correlationId: String(c['correlationId']), command: String(c['command']), ok: true, result: { state: next.state }, ts };
    }
    const d = decisions.get(String(c['decisionId']))!;
    const state = c['command'] === 'decision.accept' ? 'accepted' : 'rejected';
    h.bus.emit('decision', { ...d, state, decidedBy: ctx.actor, decidedAt: ts });
    audit(d.id);
    return { correlationId: String(c['correlationId']), command: String(c['command']), ok: true, result: { state }, ts };
  };
  await h.app.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${(h.app.server.address() as { port: number }).port}/`;
  return { ...h, url, commands, store, rawGaze };
}

async function open(t: Test, url: string, viewport = { width: 1400, height: 1000 }): Promise<{ page: Page; problems: string[] }> {
  const browser = await launch();
  t.teardown(() => browser.close());
  const page = await browser.newPage({ viewport });
  const problems = await watch(page);
  await page.goto(url);
  await page.locator('#live.ok').waitFor({ timeout: 10_000 });
  return { page, problems };
}

t.test('shelve for a time, and every rendered name and note is text: markup in a user name, a note, a station and an effect kind', { skip: skipBrowser }, async (t) => {
  const h = await harness({ effects: true });
  t.teardown(() => h.app.close());
  h.bus.emit('alert', alert('a1', 0, 'active', { level: 2 }));
  const { page, problems } = await open(t, h.url);
  await signInOnPage(page, '<b>x</b>', 'markup');
  t.equal(await page.locator('#who').textContent(), 'Signed in: <b>x</b> (supervisor)', 'the user name is shown as typed');
  const row = page.locator('tr[data-alert="a1"]');
  await row.locator('button[data-action="shelve"]').click();
  await page.locator('#shelve-for').selectOption('1800');
  await page.locator('#action-note').fill(`<script>alert(2)</script>${HOSTILE}`);
  await page.locator('#action-submit').click();
  await page.locator('tr[data-alert="a1"].shelved').waitFor({ timeout: 10_000 });
  t.match(await row.locator('.astate').textContent(), /^shelved until \d{2}:\d{2}:\d{2}$/, 'shelved, with when it comes back');
  t.equal(await row.locator('.by').textContent(), '<b>x</b>');
  t.same(h.commands.calls.at(-1)!.command['forS'], 1800, 'the chosen duration went to the port');
  t.equal(await page.locator('[data-wearer="op-7f3a"]').getAttribute('data-level'), '0', 'a shelved alert does not colour the wearer');

  await row.locator('button[data-action="history"]').click();
  const audit = page.locator('#history-audit tr[data-audit="alert.shelve"]');
  await audit.waitFor({ timeout: 10_000 });
  t.equal(await audit.locator('.who').textContent(), '<b>x</b> (supervisor) via http');
  t.equal(await audit.locator('.note').textContent(), `<script>alert(2)</script>${HOSTILE}`);
  t.equal(await page.locator('#history-dialog b, #history-dialog script, img').count(), 0, 'no element made from a name or a note');
  await page.keyboard.press('Escape');

  await page.locator('#effects-section:not([hidden])').waitFor({ timeout: 20_000 });
  t.same(await page.locator('#effects-head th').allTextContents(), ['Kind', 'Station', 'n', 'Δ score', 'Δ PERCLOS']);
  t.same(await page.locator('[data-effect="break@st-press"] td').allTextContents(), ['break', `Press ${HOSTILE}`, '4', '0.12', '-0.04']);
  t.equal(await page.locator(`[data-effect="ack:${HOSTILE}@"] td`).first().textContent(), `ack:${HOSTILE}`);
  t.equal(await page.locator('img').count(), 0);
  t.same(problems, []);
});

t.test('decisions: pending ones with reason and inputs; a supervisor accepts one and rejects another; they move', { skip: skipBrowser }, async (t) => {
  const h = await harness();
  t.teardown(() => h.app.close());
  h.bus.emit('decision', { ...decision('d1', 'pending'), createdAt: 1_700_000_000_000, station: 'st-press', inputs: { perclos: 0.31, coveredBy: 'op-21bc' } });
  h.bus.emit('decision', { ...decision('d2', 'pending'), kind: 'line_speed', targets: ['line-1'], reason: 'fleet capacity 70 %', inputs: { capacity: 0.7 } });
  h.bus.emit('decision', { ...decision('d0', 'expired'), reason: 'old' });
  const { page, problems } = await open(t, h.url);
  const d1 = page.locator('tr[data-decision="d1"]');
  await d1.waitFor({ timeout: 10_000 });
  t.same((await d1.locator('td').allTextContents()).slice(1, 6), ['break', 'op-7f3a', `Press ${HOSTILE}`, 'drowsy for 5 min', 'perclos = 0.31; coveredBy = op-21bc']);
  t.match(await d1.locator('.dstate').textContent(), /● pending/);
  t.equal(await page.locator('tr[data-decision] button').count(), 0, 'read only until signed in');
  t.same(await page.locator('tr[data-decision]').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset['decision'])), ['d1', 'd2', 'd0'], 'pending first');
  await signInOnPage(page);
  await d1.locator('button[data-action="accept"]').click();
  await page.locator('#action-note').fill('cover arranged');
  await page.locator('#action-submit').click();
  await page.locator('tr[data-decision="d1"].accepted').waitFor({ timeout: 10_000 });
  t.match(await d1.locator('.dstate').textContent(), /✓ accepted by sup-1/);
  await page.locator('tr[data-decision="d2"] button[data-action="reject"]').click();
  await page.locator('#action-submit').click();
  await page.locator('tr[data-decision="d2"].rejected').waitFor({ timeout: 10_000 });
  t.same(h.commands.calls.map((c) => [c.command['command'], c.command['decisionId'], c.command['note'] ?? null]), [['decision.accept', 'd1', 'cover arranged'], ['decision.reject', 'd2', null]]);
  t.equal(await page.locator('tr[data-decision="d0"] button').count(), 0, 'no buttons on an expired decision');
  await page.screenshot({ path: artefact('dashboard-decisions.png'), fullPage: true });
  t.same(problems, []);
});

t.test('a refused command is shown in the dialog with the gateway\'s reason; an expired session signs the page out', { skip: skipBrowser }, async (t) => {
  const h = await harness();
  t.teardown(() => h.app.close());
  h.bus.emit('alert', alert('a1', 0, 'active'));
  const { page, problems } = await open(t, h.url);
  await signInOnPage(page);
  h.commands.answer = (c) => ({ correlationId: String(c['correlationId']), command: String(c['command']), ok: false, code: 'AFG_E_COMMAND_CONFLICT', reason: 'alert a1 is already acknowledged', ts: 1 });
  await page.locator('tr[data-alert="a1"] button[data-action="ack"]').click();
  await page.locator('#action-submit').click();
  await page.locator('#action-error', { hasText: 'alert a1 is already acknowledged' }).waitFor({ timeout: 10_000 });
  t.equal(await page.locator('#action-error').textContent(), 'Not done: alert a1 is already acknowledged (AFG_E_COMMAND_CONFLICT)');
  t.equal(await page.locator('#action-dialog').getAttribute('open'), '', 'the dialog stays open so the supervisor sees why');
  await page.locator('#action-cancel').click();
  // the session ends on the server (gateway restart, expiry): the next write says so and the page signs out
  await page.context().clearCookies();
  await page.locator('tr[data-alert="a1"] button[data-action="ack"]').click();
  await page.locator('#action-submit').click();
  await page.locator('#action-error', { hasText: 'AFG_E_HTTP_AUTH' }).waitFor({ timeout: 10_000 });
  await page.locator('#sign-in:not([hidden])').waitFor({ timeout: 10_000 });
  await page.locator('#action-cancel').click();
  t.equal(await page.locator('button[data-action="ack"]').count(), 0, 'write buttons gone');
  t.same(problems.filter((p) => !/401|403|409/.test(p)), [], 'only the expected refused requests in the console');
});

t.test('wrong password and the rate limit are shown on the sign-in form', { skip: skipBrowser }, async (t) => {
  const h = await harness();
  t.teardown(() => h.app.close());
  const { page } = await open(t, h.url);
  await page.locator('#sign-in').click();
  await page.locator('#login-user').fill('sup-1');
  await page.locator('#login-password').fill('nope');
  await page.locator('#login-submit').click();
  await page.locator('#login-error', { hasText: 'wrong user name or password (AFG_E_HTTP_AUTH)' }).waitFor({ timeout: 10_000 });
  t.equal(await page.locator('#login-dialog').getAttribute('open'), '');
  t.equal(await page.locator('#who').textContent(), 'Read only — sign in to act');
});

t.test('wearer detail: 15-minute charts of score, PERCLOS, blinks, heart rate and HRV, devices with skin contact and battery; raw gaze only when allowed', { skip: skipBrowser }, async (t) => {
  for (const allowRawGaze of [false, true]) {
    const h = await harness({ allowRawGaze });
    t.teardown(() => h.app.close());
    h.bus.emit('device', { ...device('hrs-7f3a', 'connected'), kind: 'hrs-strap', battery: 15, contact: 'no_contact', rateHz: 1 } as never);
    h.bus.emit('device', { ...device('et-7f3a', 'connected'), battery: null });
    const { page, problems } = await open(t, h.url);
    for (let ms = 0; ms <= 60_000; ms += 1000) {
      h.bus.emit('estimate', estimate('op-7f3a', ms, 'attentive', 0.5 + ms / 200_000));
    }
    // gaze reaches the tap only in the allowed case in the gateway; here the tap is fed either way to prove the route refuses
    h.rawGaze.ingest('op-7f3a', { kind: 'gaze', device: 'et-7f3a', clock: 'gateway', units: 'deg', n: 3, t: Float64Array.from([1, 2, 3]), x: Float32Array.from([1, 2, 3]), y: Float32Array.from([0, 1, 0]), pupil: new Float32Array(3), openness: new Float32Array(3), valid: Uint8Array.from([1, 1, 1]) });
    await page.locator('[data-wearer="op-7f3a"]').focus();
    await page.keyboard.press('Enter');
    await page.locator('#wearer-dialog[open]').waitFor({ timeout: 10_000 });
    t.equal(await page.locator('#wearer-title').textContent(), 'Wearer op-7f3a');
    const strap = page.locator('#wearer-devices tr[data-device="hrs-7f3a"]');
    await strap.waitFor({ timeout: 10_000 });
    t.equal(await strap.locator('.contact').textContent(), '⊘ no skin contact', 'skin contact, with a symbol and words');
    t.equal(await strap.locator('.battery').textContent(), '▲ 15 %', 'low battery marked');
    t.match(await strap.getAttribute('class'), /abnormal/);
    t.equal(await page.locator('#wearer-devices tr[data-device="et-7f3a"] .battery').textContent(), '—', 'unknown battery is a dash');
    await page.locator('#wearer-charts canvas').first().waitFor({ timeout: 10_000 });
    t.same(await page.locator('#wearer-charts figcaption').allTextContents(), ['Attention score and PERCLOS (%)', 'Blinks per minute', 'Heart rate (bpm) and HRV RMSSD (ms)']);
    const gaze = await h.app.inject('/api/wearers/op-7f3a/gaze');
    if (allowRawGaze) {
      t.equal(gaze.statusCode, 200);
      await page.locator('#wearer-gaze-section:not([hidden]) canvas').waitFor({ timeout: 10_000 });
      t.pass('raw gaze plotted when allowed');
      await page.screenshot({ path: artefact('dashboard-wearer-detail-raw-gaze.png') });
    } else {
      t.equal(gaze.statusCode, 403);
      t.equal(gaze.json().code, 'AFG_E_RAW_GAZE_DISABLED');
      await page.waitForTimeout(2500); // one refresh period: the section must stay hidden
      t.equal(await page.locator('#wearer-gaze-section').isHidden(), true, 'no raw gaze section');
      const detail = (await h.app.inject('/api/wearers/op-7f3a')).body;
      t.notMatch(detail, /"x"\s*:\s*\[|gaze_x/, 'no raw gaze in the detail either');
    }
    await page.keyboard.press('Escape');
    await page.locator('#wearer-dialog:not([open])').waitFor({ state: 'attached' });
    t.equal(await page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset['wearer']), 'op-7f3a', 'focus returns to the wearer after Escape');
    t.same(problems.filter((p) => !/403/.test(p)), []);
  }
});

t.test('accessibility of the dialogs and views: every control labelled, keyboard-only sign-in and acknowledge, contrast >= 4.5:1', { skip: skipBrowser }, async (t) => {
  const h = await harness();
  t.teardown(() => h.app.close());
  h.bus.emit('alert', alert('a1', 0, 'active', { level: 3 }));
  h.bus.emit('estimate', estimate('op-21bc', 10, 'sensor_lost', null));
  h.bus.emit('decision', decision('d1', 'pending'));
  const { page, problems } = await open(t, h.url);
  await page.locator('tr[data-alert="a1"]').waitFor({ timeout: 10_000 });
  t.same(await unlabelledControls(page), [], 'main view: every control has a name');

  // keyboard only: Tab to Sign in, Enter, type, Enter
  await page.locator('#sign-in').focus();
  await page.keyboard.press('Enter');
  await page.locator('#login-dialog[open]').waitFor();
  t.equal(await page.evaluate(() => document.activeElement?.id), 'login-user', 'focus moves into the dialog');
  t.same(await unlabelledControls(page, '#login-dialog'), [], 'sign-in form labelled');
  t.ok((await lowestContrast(page, '#login-dialog')).ratio >= 4.5, 'sign-in dialog contrast');
  await page.keyboard.type('sup-1');
  await page.keyboard.press('Tab');
  await page.keyboard.type('correct horse');
  await page.keyboard.press('Enter');
  await page.locator('#who', { hasText: 'Signed in: sup-1' }).waitFor({ timeout: 10_000 });

  const ack = page.locator('tr[data-alert="a1"] button[data-action="ack"]');
  await ack.focus();
  t.equal(await ack.getAttribute('aria-label'), 'Acknowledge alert drowsiness for op-7f3a', 'the button says what it acts on');
  await page.keyboard.press('Enter');
  await page.locator('#action-dialog[open]').waitFor();
  t.same(await unlabelledControls(page, '#action-dialog'), [], 'action form labelled');
  const c = await lowestContrast(page, '#action-dialog');
  t.ok(c.ratio >= 4.5, `action dialog contrast ${c.ratio.toFixed(2)}:1 ("${c.text}")`);
  await page.keyboard.type('seen');
  await page.keyboard.press('Tab'); // to Cancel
  await page.keyboard.press('Tab'); // to Acknowledge
  await page.keyboard.press('Enter');
  await page.locator('tr[data-alert="a1"].acked').waitFor({ timeout: 10_000 });
  t.equal(h.commands.calls.at(-1)!.command['note'], 'seen');
  const main = await lowestContrast(page);
  t.ok(main.ratio >= 4.5, `main view contrast after acting ${main.ratio.toFixed(2)}:1 ("${main.text}")`);
  // the filter is a group of toggle buttons with state
  await page.locator('#alert-filter [data-filter="acked"]').focus();
  await page.keyboard.press('Space');
  t.equal(await page.locator('#alert-filter [data-filter="acked"]').getAttribute('aria-pressed'), 'true');
  t.equal(await page.locator('tr[data-alert]').count(), 1);
  await page.screenshot({ path: artefact('dashboard-signed-in.png'), fullPage: true });
  t.same(problems, []);
});
