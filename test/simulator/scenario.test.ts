import t from 'tap';
import { readFile, readdir } from 'node:fs/promises';
import { loadScenario, parseScenario, type Scenario } from '../../firmware-bridge/simulator/scenario.ts';
import { SignalSimulator, ROAD_AHEAD_POLYGON_DEG } from '../../firmware-bridge/simulator/signal-simulator.ts';

const dir = new URL('../../examples/scenarios/', import.meta.url);

t.test('validation errors carry AFG_E_SCENARIO_INVALID and the path of the bad field', async (t) => {
  const bad: [string, string][] = [
    ['wearers: [{wearer: op-7f3a, role: pilot}]', '/wearers/0/role'],
    ['wearers: [{wearer: op-7f3a, role: operator, colour: red}]', '/wearers/0/colour'],
    ['wearers: [{wearer: Alice, role: operator}]', '/wearers/0/wearer'],
    ['wearers: [{role: operator}]', '/wearers/0/wearer'],
    ['wearers: [{wearer: op-7f3a, role: operator, station: nowhere}]', '/wearers/0/station'],
    ['wearers: [{wearer: op-7f3a, role: operator}, {wearer: op-7f3a, role: operator}]', '/wearers/1/wearer'],
    ['wearers: [{wearer: op-7f3a, role: operator, vehicle: {speedMps: 2}}]', '/wearers/0/vehicle'],
    ['wearers: [{wearer: op-7f3a, role: operator, segments: [{at: 1, duration: 2, state: napping}]}]', '/wearers/0/segments/0/state'],
    ['wearers: [{wearer: op-7f3a, role: operator, segments: [{at: -1, duration: 2, state: idle}]}]', '/wearers/0/segments/0/at'],
    ['wearers: [{wearer: op-7f3a, role: operator, segments: [{at: 1, duration: 0, state: idle}]}]', '/wearers/0/segments/0/duration'],
    ['wearers: [{wearer: op-7f3a, role: operator, segments: [{at: 1, duration: 2, state: overload, params: {microsleepS: 2}}]}]', '/wearers/0/segments/0/params/microsleepS'],
    ['wearers: [{wearer: op-7f3a, role: operator, segments: [{at: 1, duration: 2, state: overload, params: {pupil: 2}}]}]', '/wearers/0/segments/0/params/pupil'],
    ['wearers: [{wearer: op-7f3a, role: operator, segments: [{at: 1, duration: 2, state: idle, params: {speedMps: 2}}]}]', '/wearers/0/segments/0/params/speedMps'],
    ['wearers: [{wearer: dr-19c2, role: driver, segments: [{at: 1, duration: 2, state: drowsy, params: {microsleepS: 3}}]}]', '/wearers/0/segments/0/params/microsleepS'],
    ['wearers: [{wearer: dr-19c2, role: driver, segments: [{at: 1, duration: 5, state: glance_away, params: {targetDeg: [5, 0]}}]}]', '/wearers/0/segments/0/params/targetDeg'],
    ['wearers: [{wearer: dr-19c2, role: driver, segments: [{at: 1, duration: 5, state: idle}, {at: 3, duration: 1, state: glance_away}]}]', '/wearers/0/segments/1/at'],
    ['wearers: [{wearer: dr-19c2, role: driver, segments: [{at: 1, duration: 5, state: sensor_loss, params: {sensors: camera}}]}]', '/wearers/0/segments/0/params/sensors'],
    ['loopS: 20\nwearers: [{wearer: dr-19c2, role: driver, segments: [{at: 15, duration: 10, state: idle}]}]', '/wearers/0/segments/0/duration'],
    ['stations: [{id: st-01, name: A}, {id: st-01, name: B}]\nwearers: [{wearer: dr-19c2, role: driver}]', '/stations/1/id'],
    ['wearers: []', '/wearers'],
    ['wearers: [{wearer: op-7f3a, role: operator', '/'],
  ];
  for (const [text, path] of bad) {
    t.throws(() => parseScenario(text), { code: 'AFG_E_SCENARIO_INVALID', path }, `${path} <- ${text.slice(0, 60)}`);
  }
  await t.rejects(loadScenario('/nonexistent/scenario.yaml'), { code: 'AFG_E_SCENARIO_INVALID' });
});

t.test('JSON works too; cruise speed and defaults are resolved', async (t) => {
  const s = parseScenario(JSON.stringify({ wearers: [{ wearer: 'dr-19c2', role: 'driver' }, { wearer: 'op-7f3a', role: 'operator' }, { wearer: 'dr-4b8e', role: 'driver', vehicle: { speedMps: 4 } }] }));
  t.same(
    s.wearers.map((w) => [w.speedMps, w.segments.length]),
    [
      [2.5, 0],
      [0, 0],
      [4, 0],
    ],
  );
  t.same(s.stations, []);
});

t.test('every example scenario validates', async (t) => {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.yaml'));
  t.ok(files.length >= 6, `${files.length} examples`);
  const states = new Set<string>();
  for (const f of files) {
    const s = await loadScenario(new URL(f, dir).pathname);
    for (const w of s.wearers) for (const seg of w.segments) states.add(seg.state);
  }
  t.same([...states].sort(), ['attentive', 'drowsy', 'glance_away', 'idle', 'overload', 'sensor_loss'], 'every state has an example');
});

t.test('the demo floor: 6+ operators at stations, 2 drivers, driver and operator alerts scripted within 30 s', async (t) => {
  const demo: Scenario = parseScenario(await readFile(new URL('demo-floor.yaml', dir), 'utf8'));
  const ops = demo.wearers.filter((w) => w.role === 'operator');
  const drs = demo.wearers.filter((w) => w.role === 'driver');
  t.ok(ops.length >= 6, `${ops.length} operators`);
  t.same(drs.map((w) => w.wearer).sort(), ['dr-19c2', 'dr-4b8e']);
  t.ok(ops.every((w) => w.station !== undefined), 'every operator at a station');
  const critical = demo.stations.filter((s) => s.safetyCritical).length;
  t.ok(critical >= 1 && critical <= 2, `${critical} safety-critical stations`);
  t.ok(demo.loopS !== undefined && demo.loopS >= 60, 'the script loops for long runs');

  // generate the first 30 s of each wearer and look for what the policies alert on
  const [[x0, y0], , [x1, y1]] = ROAD_AHEAD_POLYGON_DEG as [number, number][];
  let offRoadMoving = 0;
  let closedMoving = 0;
  let operatorLoss = 0;
  for (const w of demo.wearers) {
    const sim = new SignalSimulator({ scenario: w, seed: w.seed ?? 1, gazeRateHz: 100, loopS: demo.loopS! });
    const g = sim.gazeUntil(30_000);
    let off = 0;
    let closed = 0;
    let lost = 0;
    for (let i = 0; i < g.n; i++) {
      const moving = sim.speedAt(g.t[i]!) > 0;
      const inRoad = g.x[i]! >= x0! && g.x[i]! <= x1! && g.y[i]! >= y0! && g.y[i]! <= y1!;
      off = g.valid[i] && moving && !inRoad ? off + 1 : 0;
      closed = g.valid[i] && moving && g.openness[i]! <= 0.2 ? closed + 1 : 0;
      lost = g.valid[i] === 0 ? lost + 1 : 0;
      if (w.role === 'driver' && off === 300) offRoadMoving++; // 3 s off road while moving: Euro NCAP distraction
      if (w.role === 'driver' && closed === 300) closedMoving++; // 3 s eyes closed while moving: sleep
      if (w.role === 'operator' && lost === 1000) operatorLoss++; // 10 s without valid gaze
    }
  }
  t.ok(offRoadMoving >= 1, 'a driver looks away from the road >= 3 s while moving');
  t.ok(closedMoving >= 1, 'a driver has the eyes closed >= 3 s while moving');
  t.ok(operatorLoss >= 1, "an operator's eye tracker is lost >= 10 s");
  const overloaded = ops.some((w) => w.segments.some((s) => (s.state === 'overload' || s.state === 'drowsy') && s.at < 30));
  t.ok(overloaded, 'an operator turns overloaded or drowsy within 30 s');
});
