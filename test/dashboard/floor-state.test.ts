import t from 'tap';
import { EventBus } from '../../gateway/core/event-bus.ts';
import { FloorState, type FloorEvent } from '../../dashboard/floor-state.ts';
import { alert, decision, device, estimate, testLayout } from './floor-fixture.ts';

function floorWithBus(o: { maxCleared?: number; maxSettledDecisions?: number } = {}) {
  const bus = new EventBus();
  const floor = new FloorState({ layout: testLayout(), bus, toEpochMs: (t) => 1000 + t, ...o });
  const events: FloorEvent[] = [];
  floor.subscribe((e) => events.push(e));
  return { bus, floor, events };
}

t.test('every configured wearer is on the floor before any data, as unknown (not attentive)', async (t) => {
  const { floor } = floorWithBus();
  const snap = floor.snapshot();
  t.same(snap.wearers.map((w) => [w.id, w.state, w.score, w.updatedAt]), [
    ['op-7f3a', 'unknown', null, null],
    ['op-21bc', 'unknown', null, null],
    ['dr-19c2', 'unknown', null, null],
  ]);
  t.equal(snap.stations.find((s) => s.id === 'st-weld')?.safetyCritical, false, 'safetyCritical defaults to false');
  t.doesNotThrow(() => JSON.parse(JSON.stringify(snap)));
});

t.test('the latest estimate per wearer wins; unchanged estimates emit nothing', async (t) => {
  const { bus, floor, events } = floorWithBus();
  bus.emit('estimate', estimate('op-7f3a', 100, 'attentive', 0.912));
  bus.emit('estimate', estimate('op-7f3a', 200, 'attentive', 0.913)); // same to 1 %
  bus.emit('estimate', estimate('op-7f3a', 300, 'drowsy', 0.4));
  const w = floor.snapshot().wearers.find((x) => x.id === 'op-7f3a')!;
  t.equal(w.state, 'drowsy');
  t.equal(w.score, 0.4);
  t.equal(w.updatedAt, 1300, 'gateway time mapped to epoch');
  t.equal(events.filter((e) => e.type === 'wearer').length, 2);
  t.equal(floor.wearer('op-7f3a')?.estimate?.t, 300, 'the full estimate is kept for the detail view');
  bus.emit('estimate', estimate('op-7f3a', 400, 'sensor_lost', null));
  t.equal(floor.wearer('op-7f3a')?.wearer.score, null, 'sensor loss shows no score');
});

t.test('estimates and observations for unknown wearers are ignored (bounded memory)', async (t) => {
  const { bus, floor, events } = floorWithBus();
  bus.emit('estimate', estimate('op-ghost', 1, 'attentive', 1));
  bus.emit('observation', { wearer: 'op-ghost', t: 1, values: { perclos: 0.1 } });
  t.equal(floor.wearer('op-ghost'), null);
  t.equal(events.length, 0);
  bus.emit('observation', { wearer: 'op-21bc', t: 5, values: { perclos: 0.1, glance: true } });
  t.same(floor.wearer('op-21bc')?.observation, { wearer: 'op-21bc', t: 5, values: { perclos: 0.1, glance: true } });
});

t.test('alerts: latest revision wins, an older one arriving late is ignored, wearer shows its open alerts', async (t) => {
  const { bus, floor } = floorWithBus();
  bus.emit('alert', alert('a1', 0, 'active', { level: 1 }));
  bus.emit('alert', alert('a1', 2, 'acked', { level: 2 }));
  bus.emit('alert', alert('a1', 1, 'active', { level: 1 })); // late
  t.same(floor.alertList().map((a) => [a.id, a.rev, a.state]), [['a1', 2, 'acked']]);
  t.same(floor.snapshot().wearers[0]!.activeAlerts, [{ id: 'a1', kind: 'drowsiness', level: 2, state: 'acked' }]);
  bus.emit('alert', alert('a2', 0, 'shelved', { kind: 'glance_away' }));
  t.equal(floor.snapshot().wearers[0]!.activeAlerts.length, 2);
  bus.emit('alert', alert('a1', 3, 'cleared', { level: 0 }));
  t.same(floor.snapshot().wearers[0]!.activeAlerts.map((a) => a.id), ['a2'], 'a cleared alert leaves the wearer');
  t.equal(floor.alertList().find((a) => a.id === 'a1')?.state, 'cleared', 'but stays in the list');
});

t.test('cleared alerts are capped, oldest dropped first; open alerts are never dropped', async (t) => {
  const { bus, floor } = floorWithBus({ maxCleared: 3 });
  bus.emit('alert', alert('open', 0, 'active', { raisedAt: 1 }));
  for (let i = 0; i < 10; i++) bus.emit('alert', alert(`c${i}`, 0, 'cleared', { raisedAt: 100 + i }));
  const ids = floor.alertList().map((a) => a.id);
  t.same(ids, ['c9', 'c8', 'c7', 'open']);
  // an alert that clears later counts against the cap too
  bus.emit('alert', alert('open', 1, 'cleared', { raisedAt: 1 }));
  t.same(floor.alertList().map((a) => a.id), ['c9', 'c8', 'c7']);
});

t.test('decisions and devices: latest wins, settled decisions are capped, pending kept', async (t) => {
  const { bus, floor, events } = floorWithBus({ maxSettledDecisions: 2 });
  bus.emit('decision', decision('d0', 'pending'));
  for (let i = 1; i <= 4; i++) bus.emit('decision', decision(`d${i}`, 'accepted'));
  t.same(floor.snapshot().decisions.map((d) => d.id).sort(), ['d0', 'd3', 'd4']);
  bus.emit('device', device('et-1', 'connected'));
  bus.emit('device', device('et-1', 'sensor_lost'));
  t.same(floor.snapshot().devices.map((d) => [d.device, d.state]), [['et-1', 'sensor_lost']]);
  t.equal(events.filter((e) => e.type === 'device').length, 2);
});

t.test('a throwing listener does not stop the others; close() detaches from the bus', async (t) => {
  const { bus, floor, events } = floorWithBus();
  floor.subscribe(() => {
    throw new Error('socket gone');
  });
  const later: FloorEvent[] = [];
  floor.subscribe((e) => later.push(e));
  bus.emit('alert', alert('a1', 0, 'active'));
  t.equal(later.length, 2, 'wearer + alert');
  floor.close();
  bus.emit('alert', alert('a2', 0, 'active'));
  t.equal(floor.alertList().length, 1);
  t.equal(events.length, 2);
});

t.test('the layout is validated', async (t) => {
  const bus = new EventBus();
  const l = testLayout();
  t.throws(() => new FloorState({ layout: { ...l, stations: [...l.stations, l.stations[0]!] }, bus }), /duplicate station/);
  t.throws(() => new FloorState({ layout: { ...l, wearers: [...l.wearers, l.wearers[0]!] }, bus }), /duplicate wearer/);
  t.throws(() => new FloorState({ layout: { ...l, stations: [{ id: 'x', name: 'x', x: Number.NaN, y: 0 }] }, bus }), /finite/);
  t.throws(() => new FloorState({ layout: l, bus, maxCleared: -1 }), /maxCleared/);
});
