/**
 * `npm run soak -- --minutes N [--json] [--wearers 100] [--broker-every 180] [--unplug-every 60]
 * [--warmup 120] [--max-slope 1] [--max-rss-slope 3]`: the soak of issue 10 §2 (test/soak/soak-run.ts). Prints a
 * summary; with --json the last stdout line is the summary as JSON. Exit status 1 when an alert
 * was lost, memory trended up or the tracker did not come back.
 */
import { parseArgs } from 'node:util';
import { requireBinary } from '../helpers/system-binary.ts';
import { SOAK_DEFAULTS, formatSoakSummary, runSoak } from './soak-run.ts';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '15' },
    wearers: { type: 'string', default: String(SOAK_DEFAULTS.wearers) },
    'broker-every': { type: 'string', default: String(SOAK_DEFAULTS.brokerEveryS) },
    'unplug-every': { type: 'string', default: String(SOAK_DEFAULTS.unplugEveryS) },
    warmup: { type: 'string' },
    'max-slope': { type: 'string', default: String(SOAK_DEFAULTS.maxSlopeMBPerMin) },
    'max-rss-slope': { type: 'string', default: String(SOAK_DEFAULTS.maxRssSlopeMBPerMin) },
    json: { type: 'boolean', default: false },
  },
});
for (const bin of ['mosquitto', 'socat']) {
  const missing = requireBinary(bin);
  if (missing) {
    process.stderr.write(`soak: ${missing}\n`);
    process.exit(2);
  }
}
const minutes = Number(values.minutes);
const num = (v: string | undefined, name: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) {
    process.stderr.write(`soak: --${name} must be a positive number\n`);
    process.exit(2);
  }
  return n;
};
const summary = await runSoak({
  ...SOAK_DEFAULTS,
  minutes: num(values.minutes, 'minutes'),
  wearers: num(values.wearers, 'wearers'),
  brokerEveryS: num(values['broker-every'], 'broker-every'),
  unplugEveryS: num(values['unplug-every'], 'unplug-every'),
  warmupS: values.warmup !== undefined ? num(values.warmup, 'warmup') : Math.min(SOAK_DEFAULTS.warmupS, minutes * 60 * 0.3),
  maxSlopeMBPerMin: num(values['max-slope'], 'max-slope'),
  maxRssSlopeMBPerMin: num(values['max-rss-slope'], 'max-rss-slope'),
  log: (l) => process.stdout.write(`${l}\n`),
});
for (const l of formatSoakSummary(summary)) process.stdout.write(`${l}\n`);
if (values.json) process.stdout.write(`${JSON.stringify({ soak: summary })}\n`);
process.exitCode = summary.failures.length ? 1 : 0;
