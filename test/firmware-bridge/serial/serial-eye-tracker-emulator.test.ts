import t from 'tap';
import { ErrorCounter } from '../../../gateway/core/errors.ts';
import { FrameDecoder, type DecodedMessage } from '../../../firmware-bridge/serial/frame-decoder.ts';
import { encodeTimeSyncRequest } from '../../../firmware-bridge/serial/frame-encoder.ts';
import { SerialEyeTrackerEmulator } from '../../../firmware-bridge/emulators/serial-eye-tracker-emulator.ts';

function sink() {
  const errors = new ErrorCounter();
  const messages: DecodedMessage[] = [];
  const dec = new FrameDecoder({ device: 'emu', errors, onMessage: (m) => messages.push(m) });
  return { errors, messages, dec };
}

const cols = (n: number, dtUs: number) => ({
  n,
  t: Float64Array.from({ length: n }, (_, i) => i * dtUs),
  x: new Float32Array(n),
  y: new Float32Array(n),
  pupil: new Float32Array(n).fill(NaN),
  openness: new Float32Array(n).fill(NaN),
  valid: new Uint8Array(n).fill(1),
});

t.test('the emulator stamps gaze with its drifting device clock and keeps one seq counter', async (t) => {
  const emu = new SerialEyeTrackerEmulator({ deviceId: 'ET-1', bootOffsetUs: 1_000_000, driftPpm: 100, units: 'norm' });
  const { dec, messages, errors } = sink();
  dec.push(emu.hello());
  dec.push(emu.gaze(cols(100, 10_000_000))); // samples 10 s apart: drift shows as 1 ms per 10 s
  dec.push(emu.heartbeat(55, 0));
  t.equal(errors.total(), 0);
  t.same(messages.map((m) => m.seq), [0, 1, 2, 3, 4], 'hello, 3 gaze frames, heartbeat');
  const batches = messages.flatMap((m) => (m.type === 'gaze' ? [m.batch] : []));
  t.equal(batches[0]!.units, 'norm', 'units from the HELLO');
  t.equal(batches[0]!.t[0], 1_000_000);
  t.equal(batches[0]!.t[1], 1_000_000 + 10_000_000 + 1_000, '+100 ppm over 10 s = +1 ms');
  t.equal(emu.deviceTimeUs(0), 1_000_000);
});

t.test('answerTimeSync answers wire bytes or a decoded request, echoing t1 and seq', async (t) => {
  const emu = new SerialEyeTrackerEmulator({ deviceId: 'ET-2', bootOffsetUs: 0, driftPpm: -50, turnaroundUs: 30 });
  const req = encodeTimeSyncRequest(777, 41);
  const { dec, messages } = sink();
  dec.push(emu.answerTimeSync(req, 2_000_000));
  const m = messages[0]!;
  t.equal(m.type, 'time_sync_response');
  if (m.type === 'time_sync_response') {
    t.equal(m.seq, 41);
    t.same([m.t1Us, m.t2Us, m.t3Us], [777, 1_999_900, 1_999_930]);
  }
  t.equal(emu.answerTimeSync(Uint8Array.of(1, 2, 3, 0), 0).length, 0, 'no request, no answer');
  t.equal(emu.answerTimeSync({ type: 'time_sync_request', version: 1, seq: 3, t1Us: 5 }, 0).length > 0, true);
});

t.test('a wrong-version emulator is refused by the decoder', async (t) => {
  const emu = new SerialEyeTrackerEmulator({ deviceId: 'ET-3', protocolVersion: 9 });
  const { dec, messages, errors } = sink();
  dec.push(emu.hello());
  t.equal(messages.length, 0);
  t.equal(errors.get('AFG_E_PROTOCOL_VERSION'), 1);
});

t.test('constructor validates', async (t) => {
  t.throws(() => new SerialEyeTrackerEmulator({ deviceId: '' }));
  t.throws(() => new SerialEyeTrackerEmulator({ deviceId: 'x', driftPpm: Infinity }));
});
