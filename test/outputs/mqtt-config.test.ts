import t from 'tap';
import { fileURLToPath } from 'node:url';
import { loadConfigFile, validateConfig } from '../../gateway/config/load-config.ts';

t.test('examples/config.yaml shows every mqtt, sparkplug and outbox field with its default', async (t) => {
  const { config } = await loadConfigFile(fileURLToPath(new URL('../../examples/config.yaml', import.meta.url)));
  const defaults = validateConfig({});
  for (const section of ['mqtt', 'sparkplug', 'outbox'] as const) t.same(config[section], defaults[section], `${section} in the example = the defaults`);
});

t.test('mqtt/sparkplug/outbox config fields are validated with their path', async (t) => {
  const bad: [unknown, RegExp][] = [
    [{ mqtt: { protocolVersion: 3 } }, /\/mqtt\/protocolVersion/],
    [{ mqtt: { commands: { actors: [{ id: 'x', role: 'admin' }] } } }, /\/mqtt\/commands\/actors\/0\/role/],
    [{ mqtt: { commands: { actors: [{ id: 'x', role: 'supervisor', tokenSha256: 'nothex' }] } } }, /tokenSha256/],
    [{ mqtt: { vehicleSpeed: { staleAfterMs: 10 } } }, /staleAfterMs/],
    [{ sparkplug: { groupId: 'a/b' } }, /\/sparkplug\/groupId/],
    [{ sparkplug: { primaryHostId: 'scada+1' } }, /primaryHostId/],
    [{ outbox: { dropOrder: ['alert', 'alert', 'telemetry'] } }, /\/outbox\/dropOrder/],
    [{ outbox: { maxBytes: 10 } }, /\/outbox\/maxBytes/],
  ];
  for (const [raw, re] of bad) t.throws(() => validateConfig(raw), re, JSON.stringify(raw));
});
