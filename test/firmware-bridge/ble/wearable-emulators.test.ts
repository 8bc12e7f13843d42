import t from 'tap';
import { ErrorCounter } from '../../../gateway/core/errors.ts';
import type { AccBatch, EcgBatch } from '../../../gateway/core/types.ts';
import { heartRateNotificationToBatches } from '../../../firmware-bridge/ble/heart-rate-measurement.ts';
import { parseBatteryLevel, parseBodySensorLocation, parseDeviceInformationString } from '../../../firmware-bridge/ble/gatt-standard-characteristics.ts';
import { buildGetSettings, buildStart, buildStop, H10_ACC_START, H10_ECG_START, parsePmdResponse, PmdMeasurement } from '../../../firmware-bridge/ble/pmd-control-point.ts';
import { PmdFrameDecoder } from '../../../firmware-bridge/ble/pmd-data-frame.ts';
import { HrsStrapEmulator } from '../../../firmware-bridge/emulators/hrs-strap-emulator.ts';
import { PolarH10Emulator, polarEpochUs } from '../../../firmware-bridge/emulators/polar-h10-emulator.ts';

t.test('HRS strap: beats become notifications the parser reads back; contact off = unknown HR', async (t) => {
  const e = new ErrorCounter();
  const strap = new HrsStrapEmulator({ startMs: 0 });
  const notes = strap.notifications([800, 750, 1000], 3, 1000);
  t.equal(notes.length, 1);
  const b = heartRateNotificationToBatches(notes[0]!.bytes, 's', notes[0]!.t, e)!;
  t.equal(b.hr.bpm[0], 60, 'last beat 1000 ms = 60 bpm');
  t.equal(b.hr.contact[0], 2);
  // 800 ms = 819.2/1024 s, rounded to 819 -> 799.8 ms: within one 1/1024 s tick
  t.same(Array.from(b.rr!.rrMs, (v) => Math.round(v)), [800, 750, 1000]);
  strap.contact = 1;
  const off = strap.notifications([800], 1, 2000);
  const bo = heartRateNotificationToBatches(off[0]!.bytes, 's', off[0]!.t, e)!;
  t.ok(Number.isNaN(bo.hr.bpm[0]));
  t.equal(bo.rr, null);
  strap.battery = 42;
  t.equal(parseBatteryLevel(strap.batteryBytes(), e), 42);
  t.equal(parseBodySensorLocation(strap.locationBytes(), e), 'chest');
  t.equal(parseDeviceInformationString(strap.infoBytes('model'), e), 'HRS-1');
  t.equal(e.total(), 0);
});

t.test('H10: control point answers like the sensor', async (t) => {
  const e = new ErrorCounter();
  const h10 = new PolarH10Emulator();
  t.same(parsePmdResponse(h10.writeControlPoint(buildGetSettings(PmdMeasurement.Ecg)), e)?.settings, { sampleRate: [130], resolution: [14] });
  t.equal(h10.ecgFrames(0, [1], 1).length, 0, 'no frames before start');
  t.equal(parsePmdResponse(h10.writeControlPoint(H10_ECG_START), e)?.status, 'success');
  t.equal(parsePmdResponse(h10.writeControlPoint(H10_ECG_START), e)?.status, 'already_in_state');
  t.equal(parsePmdResponse(h10.writeControlPoint(buildStart(PmdMeasurement.Acc, { sampleRate: 300, resolution: 16, range: 8 })), e)?.status, 'invalid_sample_rate');
  t.equal(parsePmdResponse(h10.writeControlPoint(buildStart(PmdMeasurement.Acc, { sampleRate: 200, resolution: 16, range: 16 })), e)?.status, 'invalid_range');
  t.equal(parsePmdResponse(h10.writeControlPoint(buildStart(PmdMeasurement.Ppg, { sampleRate: 135, resolution: 22 })), e)?.status, 'not_supported');
  t.equal(parsePmdResponse(h10.writeControlPoint(H10_ACC_START), e)?.status, 'success');
  t.equal(parsePmdResponse(h10.writeControlPoint(buildStop(PmdMeasurement.Acc)), e)?.status, 'success');
  t.notOk(h10.streaming(PmdMeasurement.Acc));
  const small = new PolarH10Emulator({ mtu: 23 });
  t.equal(parsePmdResponse(small.writeControlPoint(H10_ECG_START), e)?.status, 'invalid_mtu');
  t.equal(e.total(), 0);
});

t.test('H10: ECG and ACC frames fit the MTU and decode to the same samples and times', async (t) => {
  const e = new ErrorCounter();
  for (const compressAcc of [false, true]) {
    const h10 = new PolarH10Emulator({ compressAcc });
    h10.writeControlPoint(H10_ECG_START);
    h10.writeControlPoint(H10_ACC_START);
    const dec = new PmdFrameDecoder({ device: 'h10', errors: e, ecgRateHz: 130, accRateHz: 200 });
    const lastUs = polarEpochUs(Date.UTC(2026, 0, 1));
    const n = 200;
    const uV = Int32Array.from({ length: n }, (_, i) => Math.round(1000 * Math.sin(i / 5)));
    const ecgFrames = h10.ecgFrames(lastUs, uV, n);
    t.ok(ecgFrames.length >= 3 && ecgFrames.every((f) => f.length <= 229), 'split to MTU 232');
    const got: number[] = [];
    const times: number[] = [];
    for (const f of ecgFrames) {
      const b = dec.decode(f) as EcgBatch;
      got.push(...b.uV);
      times.push(...b.t);
    }
    t.same(got, Array.from(uV));
    t.ok(Math.abs(times[n - 1]! - lastUs) < 1 && Math.abs(times[0]! - (lastUs - (n - 1) * (1e6 / 130))) < 1, 'times continuous across frames');
    const x = Int32Array.from({ length: n }, (_, i) => i * 3 - 300);
    const y = Int32Array.from({ length: n }, (_, i) => -i);
    const z = Int32Array.from({ length: n }, () => 1000);
    const accFrames = h10.accFrames(lastUs, x, y, z, n);
    t.equal(accFrames[0]![9], compressAcc ? 0x81 : 0x01);
    const ax: number[] = [];
    for (const f of accFrames) ax.push(...(dec.decode(f) as AccBatch).x);
    t.same(ax, Array.from(x));
  }
  t.equal(e.total(), 0);
});
