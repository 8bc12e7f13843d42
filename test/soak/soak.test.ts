import t from 'tap';
import { requireBinary } from '../helpers/system-binary.ts';
import { formatSoakSummary, runSoak } from './soak-run.ts';

// The CI version of the soak (issue 10 §2): 90 s with the intervals scaled down — the broker
// restarted every 25 s, the serial tracker unplugged every 20 s — and the same assertions as
// `npm run soak -- --minutes N`, except the memory trend: in a 60 s window after warm-up the heap
// left by major GCs still moves by tens of MB (seen: 48 -> 77 MB over 10 GCs in one 90 s run,
// flat at 46.3 -> 46.2 MB over 128 GCs in the 15 min run), so a slope fitted here says nothing.
// CI asserts RSS stays under 500 MB and prints the trend; the long run asserts it (1 MB/min).
const skip = requireBinary('mosquitto') || requireBinary('socat');
t.setTimeout(240_000);

t.test('soak, short: 100 wearers, broker restarts, tracker unplugs: no alert lost, RSS bounded', { skip }, async (t) => {
  const s = await runSoak({ minutes: 1.5, wearers: 100, brokerEveryS: 25, brokerDownS: 3, unplugEveryS: 20, unplugS: 2, warmupS: 30, maxSlopeMBPerMin: Infinity, maxRssSlopeMBPerMin: Infinity, maxRssMB: 500 });
  t.comment(formatSoakSummary(s).join('\n'));
  t.ok(s.brokerRestarts >= 2, `the broker was restarted (${s.brokerRestarts})`);
  t.ok(s.unplugs >= 2, `the tracker was unplugged (${s.unplugs})`);
  t.equal(s.reconnected, s.unplugs, 'and came back every time');
  t.ok(s.alerts.raised >= 10, `alerts were raised (${s.alerts.raised})`);
  t.same(s.alerts.lost, [], 'no alert lost');
  t.equal(s.alerts.outOfOrder, 0, 'in order per wearer');
  t.ok(s.memory.rssMaxMB <= 500, `RSS stayed under 500 MB (max ${s.memory.rssMaxMB} MB)`);
  t.comment(`trend, not asserted here: heap left by ${s.memory.majorGcs} major GCs ${s.memory.heapAfterGcSlopeMBPerMin} MB/min, RSS ${s.memory.rssSlopeMBPerMin} MB/min`);
  t.same(s.failures, []);
  t.equal(s.exitCode, 0, 'clean stop');
});
