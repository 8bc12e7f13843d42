/**
 * Pipeline throughput: gaze samples per second on one core through decode -> events ->
 * features -> inference -> policy, as fast as the CPU allows (virtual time), for 1, 10, 100 and
 * 1000 wearers with 250 Hz and 1200 Hz eye trackers; every wearer also wears a Polar H10
 * (ECG 130 Hz, ACC 200 Hz, HR + RR once a second). Real encoded bytes go through the real
 * decoders: serial COBS/CRC frames for gaze, PMD notifications for ECG/ACC, 0x2A37 for HR;
 * ClockSync maps each device clock; the real FleetPipeline (detectors, features, estimator,
 * driver/operator policy, alert tracker) ticks every tickMs (50 ms) for all wearers.
 *
 * Two passes over the same bytes per configuration:
 *   decode   the decoders + clock sync only (the baseline)
 *   pipeline decoders + FleetPipeline.ingest + FleetPipeline.tick
 * so the pipeline's cost is also a ratio to decoding. Producing the bytes (the devices' work:
 * simulator columns -> emulators -> frames) happens outside the timed sections.
 *
 * Usage: node --import tsx bench/pipeline.bench.ts [--json] [--quick] [--wearers 1,10,100,1000]
 *        [--rates 250,1200] [--seconds S]   (S: measured seconds per pass, default 1)
 */
import { EventBus } from '../gateway/core/event-bus.ts';
import { ErrorCounter } from '../gateway/core/errors.ts';
import type { SampleBatch, WearerId } from '../gateway/core/types.ts';
import { FleetPipeline } from '../gateway/pipeline/fleet-pipeline.ts';
import { benchFleetConfig, benchWearer } from './lib/bench-fleet-config.ts';
import { BenchReport, flagValue, machineLoad } from './lib/bench-report.ts';
import { buildSignalVariants, type SignalVariant } from './lib/signal-variants.ts';
import { emptyTickBytes, WearerDeviceBytes, type TickBytes } from './lib/wearer-device-bytes.ts';
import { WearerLink } from './lib/wearer-link.ts';

const argv = process.argv.slice(2);
const report = new BenchReport('pipeline', argv);
const quick = argv.includes('--quick');
const fleets = flagValue(argv, 'wearers', '1,10,100,1000').split(',').map(Number);
const rates = flagValue(argv, 'rates', '250,1200').split(',').map(Number);
const measureS = Number(flagValue(argv, 'seconds', quick ? '0.3' : '1'));
const VARIANTS = 8;
/** rough pipeline speed, to size the simulated time of a pass to about measureS of CPU */
const EXPECTED_SAMPLES_PER_S = 1.5e6;

interface Pass {
  mode: 'decode' | 'pipeline';
  simulatedS: number;
  ticks: number;
  gazeSamples: number;
  otherSamples: number;
  totalMs: number;
  tickMs: number;
  alerts: number;
}

function runPass(mode: Pass['mode'], wearers: number, variants: Record<'operator' | 'driver', SignalVariant[]>, warmS: number, simS: number): Pass {
  const errors = new ErrorCounter();
  const config = benchFleetConfig(wearers);
  const bus = new EventBus();
  let alerts = 0;
  bus.on('alert', () => alerts++);
  const fleet = mode === 'pipeline' ? new FleetPipeline({ config, bus, toEpochMs: (t) => 1.7e12 + t }) : null;
  let dropped = 0;
  const sink = fleet ? (w: WearerId, b: SampleBatch) => fleet.ingest(w, b) : (_w: WearerId, b: SampleBatch) => void (dropped += b.n);
  const devices: WearerDeviceBytes[] = [];
  const links: WearerLink[] = [];
  const bytes: TickBytes[] = [];
  for (let i = 0; i < wearers; i++) {
    const w = benchWearer(i);
    const dev = new WearerDeviceBytes({ variant: variants[w.role][Math.floor(i / 2) % VARIANTS]!, phase: i * 131, seed: i + 1 });
    const link = new WearerLink({ wearer: w.id, index: i, errors, sink });
    link.pushSerial(dev.hello());
    devices.push(dev);
    links.push(link);
    bytes.push(emptyTickBytes());
  }
  const step = config.tickMs;
  const warmEnd = warmS * 1000;
  const end = warmEnd + simS * 1000;
  const p: Pass = { mode, simulatedS: simS, ticks: 0, gazeSamples: 0, otherSamples: 0, totalMs: 0, tickMs: 0, alerts: 0 };
  for (let t = step; t <= end; t += step) {
    for (let i = 0; i < wearers; i++) devices[i]!.produce(t, bytes[i]!);
    const a = performance.now();
    for (let i = 0; i < wearers; i++) links[i]!.receive(bytes[i]!, t);
    const b = performance.now();
    fleet?.tick(t);
    const c = performance.now();
    if (t <= warmEnd) continue;
    p.ticks++;
    p.totalMs += c - a;
    p.tickMs += c - b;
    for (let i = 0; i < wearers; i++) {
      p.gazeSamples += bytes[i]!.gazeSamples;
      p.otherSamples += bytes[i]!.otherSamples;
    }
  }
  if (errors.total() !== 0) throw new Error(`decode errors in a clean stream: ${JSON.stringify(errors.snapshot())}`);
  if (fleet && fleet.unknownWearerBatches) throw new Error('batches for unknown wearers');
  p.alerts = alerts;
  return p;
}

report.line(`pipeline: decode -> events -> features -> inference (rule-based) -> policy, virtual time, tick 50 ms, one core`);
report.line(`per wearer: eye tracker (serial frames) + Polar H10 (PMD ECG 130 Hz, ACC 200 Hz, HR 1 Hz); ${VARIANTS} signal variants per role`);
report.line('wearers  rate   gaze M/s pipeline  gaze M/s decode  cost ratio  tick µs/wearer  wearers/core  alerts/min');
const load0 = machineLoad();
for (const rate of rates) {
  const variants = buildSignalVariants(VARIANTS, rate);
  for (const wearers of fleets) {
    const samplesPerS = wearers * rate;
    const simS = Math.min(600, Math.max(2, (measureS * EXPECTED_SAMPLES_PER_S) / samplesPerS));
    const warmS = Math.min(20, Math.max(1, simS / 4));
    const dec = runPass('decode', wearers, variants, warmS, simS);
    const pipe = runPass('pipeline', wearers, variants, warmS, simS);
    const gazePipe = pipe.gazeSamples / (pipe.totalMs / 1000);
    const gazeDec = dec.gazeSamples / (dec.totalMs / 1000);
    const ratio = pipe.totalMs / dec.totalMs;
    const tickUs = (pipe.tickMs * 1000) / (pipe.ticks * wearers);
    const perCore = gazePipe / rate; // wearers one core could carry in real time at this rate
    const params = { wearers, gazeRateHz: rate, simulatedS: Math.round(simS * 10) / 10, warmupS: Math.round(warmS * 10) / 10, tickMs: 50 };
    report.result('pipeline.gaze_samples_per_s', gazePipe, 'samples/s', params);
    report.result('pipeline.all_samples_per_s', (pipe.gazeSamples + pipe.otherSamples) / (pipe.totalMs / 1000), 'samples/s', params);
    report.result('decode.gaze_samples_per_s', gazeDec, 'samples/s', params);
    report.result('pipeline.cost_ratio_to_decode', ratio, 'x', params);
    report.result('pipeline.tick_us_per_wearer', tickUs, 'µs', params);
    report.result('pipeline.ingest_ns_per_gaze_sample', ((pipe.totalMs - pipe.tickMs - dec.totalMs) * 1e6) / pipe.gazeSamples, 'ns', params);
    report.result('pipeline.wearers_per_core_realtime', perCore, 'wearers', params);
    report.line(
      `${String(wearers).padStart(7)}  ${String(rate).padStart(4)}  ${(gazePipe / 1e6).toFixed(2).padStart(17)}  ${(gazeDec / 1e6).toFixed(2).padStart(15)}  ${ratio.toFixed(2).padStart(10)}  ${tickUs.toFixed(2).padStart(14)}  ${perCore.toFixed(0).padStart(12)}  ${((pipe.alerts / simS) * 60).toFixed(0).padStart(10)}`,
    );
  }
}
const load1 = machineLoad();
report.line(`machine: ${load0.cores} cores, load average ${load0.loadAvg1m} -> ${load1.loadAvg1m} (shared machine: other processes take CPU too)`);
report.end();
