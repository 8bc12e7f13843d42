import { Counter, Gauge, type Registry } from 'prom-client';
import type { DeviceStatus, EventBus } from '../gateway/core/event-bus.ts';

/**
 * Signal-quality metrics per device link, from the DeviceStatus each runtime puts on the bus
 * (once a second): validity, dropped frames, CRC failures, errors by code, reconnects, skin
 * contact, the rate of each stream of a multi-stream device (the device's achieved rate and
 * battery are in gateway-metrics.ts).
 *
 * Heart rate (and every other biosignal value) is deliberately NOT here, nor on MQTT: /metrics is
 * built to be scraped off the box by a monitoring system, and a per-person heart-rate series is
 * health data (GDPR Art. 9) that a works council would have to agree to leave the box. Skin
 * contact and battery are device state (is the strap worn and charged), which maintenance needs.
 * Cost: a few label lookups per device status.
 *
 * @example attachDeviceMetrics(registry, bus);
 */
export function attachDeviceMetrics(registry: Registry, bus: EventBus): () => void {
  const validity = new Gauge({ name: 'afg_device_validity_ratio', help: 'Share of valid samples in the last second, 0..1', labelNames: ['device'], registers: [registry] });
  const dropped = new Counter({ name: 'afg_device_dropped_frames_total', help: 'Frames the protocol shows were lost (serial seq, Gazepoint CNT, Polar PMD time gaps)', labelNames: ['device'], registers: [registry] });
  const errors = new Counter({ name: 'afg_device_errors_total', help: 'Errors of one device by stable code (bad input, I/O, sensor lost)', labelNames: ['device', 'code'], registers: [registry] });
  // a series of its own (also in afg_device_errors_total{code="AFG_E_FRAME_CRC"}): a CRC rate is
  // the one figure that tells a bad cable or baud rate from a bad firmware, so alerting rules use it
  const crc = new Counter({ name: 'afg_device_crc_errors_total', help: 'Serial frames of a device that failed their CRC-16 (only links with our CRC)', labelNames: ['device'], registers: [registry] });
  const streamRate = new Gauge({ name: 'afg_device_stream_rate_hz', help: 'Achieved rate of each PMD stream of a Polar wearable (ecg, acc), last second; never RR or heart-rate notification rates (they would be the heart rate)', labelNames: ['device', 'stream'], registers: [registry] });
  const streamNominal = new Gauge({ name: 'afg_device_stream_nominal_rate_hz', help: 'Rate a device stream was started at (Polar PMD ECG/ACC); absent when the stream has none or is not running', labelNames: ['device', 'stream'], registers: [registry] });
  const reconnects = new Counter({ name: 'afg_device_reconnects_total', help: 'Links re-established after the first', labelNames: ['device'], registers: [registry] });
  const contact = new Gauge({ name: 'afg_device_skin_contact', help: 'HR straps: 1 skin contact, 0 no contact (absent when unknown or not reported)', labelNames: ['device'], registers: [registry] });
  // runtimes report totals; Prometheus counters take increments
  const last = new Map<string, number>();
  const grow = (c: Counter<string>, labels: Record<string, string>, key: string, total: number | null | undefined) => {
    if (typeof total !== 'number' || !Number.isFinite(total)) return;
    // a counter the link can count shows from its first status, at 0, so rate() works at once
    if (!last.has(key)) c.inc(labels, 0);
    const prev = last.get(key) ?? 0;
    const delta = total >= prev ? total - prev : total; // a runtime restarted its count
    last.set(key, total);
    if (delta > 0) c.inc(labels, delta);
  };
  return bus.on('device', (d: DeviceStatus) => {
    const device = d.device;
    validity.set({ device }, d.validity);
    grow(dropped, { device }, `${device}\u0000dropped`, d.quality?.droppedFrames);
    grow(reconnects, { device }, `${device}\u0000reconnects`, d.quality?.reconnects);
    grow(crc, { device }, `${device}\u0000crc`, d.quality?.crcErrors);
    for (const [stream, r] of Object.entries(d.quality?.streams ?? {})) {
      streamRate.set({ device, stream }, r.rateHz);
      if (r.nominalRateHz === null) streamNominal.remove({ device, stream });
      else streamNominal.set({ device, stream }, r.nominalRateHz);
    }
    for (const [code, n] of Object.entries(d.errors)) grow(errors, { device, code }, `${device}\u0000${code}`, n);
    if (d.contact === 'contact' || d.contact === 'no_contact') contact.set({ device }, d.contact === 'contact' ? 1 : 0);
    else contact.remove({ device });
  });
}
