import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Ajv } from 'ajv';
import fc from 'fast-check';
import { createGatewayCommands } from '../../../gateway/commands/command-wiring.ts';
import { CommandReply, COMMAND_NAMES } from '../../../gateway/commands/command-schemas.ts';
import { EventBus } from '../../../gateway/core/event-bus.ts';
import { ErrorCounter } from '../../../gateway/core/errors.ts';
import type { Alert, SampleBatch } from '../../../gateway/core/types.ts';
import { FleetPipeline } from '../../../gateway/pipeline/fleet-pipeline.ts';
import { GatewayStore } from '../../../gateway/store/gateway-store.ts';
import { benchFleetConfig, benchWearer } from '../../../bench/lib/bench-fleet-config.ts';
import { type FuzzTarget, type FuzzTally, isKnownCode } from '../fuzz-tally.ts';

const NAME = 'commands';
const replyValid = new Ajv({ strict: false }).compile(CommandReply);

function lostGaze(t0: number): SampleBatch {
  const n = 6;
  const nan = new Float32Array(n).fill(NaN);
  return { kind: 'gaze', device: 'x', clock: 'gateway', units: 'deg', n, t: Float64Array.from({ length: n }, (_, i) => t0 + ((i + 1) * 50) / n), x: nan, y: nan, pupil: nan, openness: nan, valid: new Uint8Array(n) };
}

async function run({ cases, seed, tally }: { cases: number; seed: number; tally: FuzzTally }): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'afg-fuzz-cmd-'));
  const store = await GatewayStore.open({ dir });
  const bus = new EventBus();
  const errors = new ErrorCounter();
  const config = benchFleetConfig(4);
  const fleet = new FleetPipeline({ config, bus, toEpochMs: (t) => 1.7e12 + t });
  const alerts: Alert[] = [];
  bus.on('alert', (a) => {
    alerts.push(a);
    store.recordAlert(a);
  });
  const { commands, thresholds } = createGatewayCommands({ fleet, store, bus, errors, toEpochMs: (t) => 1.7e12 + t, timeoutMs: 2000 });
  // real open alerts to aim at: the trackers lose every wearer's eyes for 10 s (sensor_lost, operators and drivers)
  let t = 0;
  for (; t < 10_000; t += 50) {
    for (let i = 0; i < 4; i++) fleet.ingest(benchWearer(i).id, lostGaze(t));
    fleet.tick(t + 50);
  }
  const alertIds = [...new Set(alerts.map((a) => a.id))];
  const names = thresholds.list().map((x) => x.name);
  const id = fc.oneof(fc.constantFrom(...(alertIds.length ? alertIds : ['al-none'])), fc.string({ maxLength: 140 }), fc.constant(''));
  const num = fc.oneof(fc.double(), fc.integer(), fc.constantFrom(0, -1, 1e9, NaN, Infinity), fc.string({ maxLength: 4 }), fc.constant(null));
  const command = fc.oneof(
    fc.anything({ maxDepth: 3 }),
    fc.record(
      {
        command: fc.oneof(fc.constantFrom(...COMMAND_NAMES), fc.string({ maxLength: 20 })),
        correlationId: fc.oneof(fc.string({ minLength: 1, maxLength: 140 }), num),
        alertId: id,
        decisionId: id,
        forS: num,
        name: fc.oneof(fc.constantFrom(...(names.length ? names : ['x'])), fc.string({ maxLength: 90 })),
        value: num,
        note: fc.oneof(fc.string({ maxLength: 600 }), num),
        extra: fc.anything({ maxDepth: 1 }),
      },
      { requiredKeys: ['command'] },
    ),
  );
  // well-formed commands, so that the meaning checks (not found, conflict, range) and success run too
  const corr = fc.string({ minLength: 1, maxLength: 40 });
  const wellFormed = fc.oneof(
    fc.record({ command: fc.constant('alert.ack'), correlationId: corr, alertId: id }),
    fc.record({ command: fc.constant('alert.shelve'), correlationId: corr, alertId: id, forS: fc.double({ min: 0.001, max: 8 * 3600, noNaN: true }) }),
    fc.record({ command: fc.constantFrom('decision.accept', 'decision.reject'), correlationId: corr, decisionId: id }),
    fc.record({ command: fc.constant('threshold.set'), correlationId: corr, name: fc.constantFrom(...(names.length ? names : ['x'])), value: fc.oneof(fc.double({ min: -10, max: 1000, noNaN: true }), fc.integer({ min: 0, max: 600 })) }),
  );
  const anyCommand = fc.oneof({ arbitrary: command, weight: 1 }, { arbitrary: wellFormed, weight: 2 });
  const goodCtx = fc.record({ actor: fc.string({ minLength: 1, maxLength: 20 }), role: fc.constantFrom('supervisor', 'team_lead', 'line_system'), via: fc.constantFrom('mqtt', 'http') });
  const ctx = fc.oneof(
    { arbitrary: goodCtx, weight: 4 },
    { arbitrary: fc.anything({ maxDepth: 2 }), weight: 1 },
  );
  try {
    await fc.assert(
      fc.asyncProperty(anyCommand, ctx, async (cmd, c) => {
        tally.case(NAME);
        const started = performance.now();
        const pending = commands.execute(cmd, c as never);
        // accepted commands wait for the next tick: give them one
        fleet.tick((t += 50));
        const reply = await pending;
        if (performance.now() - started > 2500) throw new Error('reply took longer than the command timeout');
        if (!replyValid(reply)) throw new Error(`reply does not match the CommandReply schema: ${JSON.stringify(reply)} ${JSON.stringify(replyValid.errors)}`);
        if (reply.ok) return void tally.accepted(NAME);
        if (!isKnownCode(reply.code)) throw new Error(`refusal without a known code: ${JSON.stringify(reply)}`);
        if (!reply.reason) throw new Error(`refusal without a reason: ${JSON.stringify(reply)}`);
        tally.rejected(NAME, reply.code);
      }),
      { numRuns: cases, seed },
    );
  } finally {
    commands.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export const mqttCommands: FuzzTarget = { name: NAME, weight: 6, what: 'CommandPort.execute (what MQTT cmd/<name> and dashboard writes call): any JSON, near-valid commands against real open alerts, any sender context; a CommandReply every time, refusals with a known code and a reason', run };
