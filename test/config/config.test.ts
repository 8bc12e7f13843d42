import t from 'tap';
import { loadConfigFile, validateConfig } from '../../gateway/config/load-config.ts';

t.test('an empty config is valid: every field has a default', async (t) => {
  const c = validateConfig({});
  t.equal(c.mqtt.url, null, 'embedded broker by default');
  t.equal(c.dashboard.host, '127.0.0.1', 'loopback by default');
  t.equal(c.dashboard.port, 8080);
  t.equal(c.dataDir, './data');
  t.same(c.inference.executionProviders, ['tensorrt', 'cuda', 'cpu']);
  t.equal(c.simulation.enabled, false);
});

const invalid: [string, unknown, string][] = [
  ['wrong type', { tickMs: 'fast' }, '/tickMs'],
  ['out of range', { dashboard: { port: 70000 } }, '/dashboard/port'],
  ['unknown top-level field', { sitee: 'x' }, '/sitee'],
  ['unknown nested field', { mqtt: { uri: 'mqtt://x' } }, '/mqtt/uri'],
  ['bad enum', { logLevel: 'verbose' }, '/logLevel'],
  ['bad URL scheme', { mqtt: { url: 'http://broker' } }, '/mqtt/url'],
  ['a real name where a pseudonym belongs', { wearers: [{ id: 'Anna Schmidt', role: 'operator' }] }, '/wearers/0/id'],
  ['unknown station', { stations: [{ id: 'st-1', name: 'Press' }], wearers: [{ id: 'op-7f3a', role: 'operator', station: 'st-9' }] }, '/wearers/0/station'],
  ['duplicate wearer', { wearers: [{ id: 'op-7f3a', role: 'operator' }, { id: 'op-7f3a', role: 'driver' }] }, '/wearers/1/id'],
  ['serial device without path or USB id', { wearers: [{ id: 'op-7f3a', role: 'operator', devices: [{ id: 'et-1', kind: 'serial-eye-tracker', transport: { type: 'serial' } }] }] }, '/wearers/0/devices/0/transport'],
  ['simulated device without simulation', { wearers: [{ id: 'op-7f3a', role: 'operator', devices: [{ id: 'et-1', kind: 'serial-eye-tracker', transport: { type: 'simulated' } }] }] }, '/wearers/0/devices/0/transport/type'],
  ['simulation without a scenario', { simulation: { enabled: true } }, '/simulation/scenario'],
  ['AOI with too few points', { aois: [{ name: 'road_ahead', role: 'driver', polygon: [[0, 0], [1, 1]] }] }, '/aois/0/polygon'],
  ['MQTT wildcard in the site id', { site: 'plant/#' }, '/site'],
];

for (const [what, raw, path] of invalid) {
  t.test(`invalid: ${what} -> AFG_E_CONFIG_INVALID at ${path}`, async (t) => {
    t.throws(() => validateConfig(raw), { code: 'AFG_E_CONFIG_INVALID', path });
  });
}

t.test('files: YAML parse errors and unreadable files have their own code', async (t) => {
  const dir = t.testdir({ 'bad.yaml': 'site: [unclosed', 'ok.yaml': 'site: plant-4\ndataDir: store\n' });
  await t.rejects(loadConfigFile(`${dir}/bad.yaml`), { code: 'AFG_E_CONFIG_UNREADABLE' });
  await t.rejects(loadConfigFile(`${dir}/missing.yaml`), { code: 'AFG_E_CONFIG_UNREADABLE' });
  const { config, baseDir } = await loadConfigFile(`${dir}/ok.yaml`);
  t.equal(config.site, 'plant-4');
  t.equal(baseDir, dir);
});

t.test('the example configs are valid', async (t) => {
  for (const f of ['config.yaml', 'demo.yaml']) {
    const { config } = await loadConfigFile(new URL(`../../examples/${f}`, import.meta.url).pathname);
    t.ok(config.site, f);
  }
});
