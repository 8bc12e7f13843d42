import { setTimeout as sleep } from 'node:timers/promises';
import { EventBus } from '../core/event-bus.ts';
import type { Alert } from '../core/types.ts';
import type { AttentionEstimator } from '../estimator/attention-estimator.ts';
import { FleetPipeline } from '../pipeline/fleet-pipeline.ts';
import { readRecording, type RecordingHeader } from './recording.ts';

/**
 * Replays a recording through the same FleetPipeline the live gateway runs. Ticks come from the
 * recording, so the result does not depend on the replay speed: `speed` only paces wall time
 * (1 = real time, 10 = ten times faster, 0 = as fast as possible).
 *
 * @example
 *   const alerts = await replayRecording('run.afgrec', { speed: 0 });
 */
export async function replayRecording(file: string, opts: { speed?: number; bus?: EventBus; onAlert?: (a: Alert) => void; estimator?: AttentionEstimator; estimatorFor?: (header: RecordingHeader) => Promise<AttentionEstimator | undefined> } = {}): Promise<Alert[]> {
  const { header, entries } = await readRecording(file);
  const bus = opts.bus ?? new EventBus();
  const estimator = opts.estimator ?? (await opts.estimatorFor?.(header));
  const fleet = new FleetPipeline({ config: header.fleet, bus, toEpochMs: (t) => header.epochAtZeroMs + t, ...(estimator ? { estimator } : {}) });
  const alerts: Alert[] = [];
  bus.on('alert', (a) => {
    alerts.push(a);
    opts.onAlert?.(a);
  });
  const speed = opts.speed ?? 0;
  const wallStart = performance.now();
  let firstTick: number | null = null;
  for (const e of entries) {
    if (e.kind === 'batch') {
      fleet.ingest(e.wearer, e.batch);
      continue;
    }
    if (e.kind === 'speed') {
      fleet.setVehicleSpeed(e.wearer, e.speedMps);
      continue;
    }
    if (speed > 0) {
      firstTick ??= e.t;
      const due = (e.t - firstTick) / speed - (performance.now() - wallStart);
      if (due > 1) await sleep(due);
    }
    await fleet.tick(e.t);
  }
  return alerts;
}
