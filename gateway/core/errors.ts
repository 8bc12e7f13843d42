/**
 * Stable error codes. Every error a user can meet carries one of these; bad device input is
 * counted per code (ErrorCounter) instead of thrown out of a stream.
 */
export const ERROR_CODES = {
  AFG_E_CONFIG_INVALID: 'The configuration file is invalid; fix the field named in the message.',
  AFG_E_CONFIG_UNREADABLE: 'The configuration file cannot be read or parsed.',
  AFG_E_FRAME_CRC: 'A serial frame failed its CRC-16 check and was dropped.',
  AFG_E_FRAME_COBS: 'A serial frame had invalid COBS encoding and was dropped.',
  AFG_E_FRAME_TOO_LONG: 'A serial frame exceeded the maximum frame length and was dropped.',
  AFG_E_FRAME_TRUNCATED: 'A serial frame payload was shorter than its message type requires.',
  AFG_E_FRAME_UNKNOWN_TYPE: 'A serial frame carried an unknown message type.',
  AFG_E_PROTOCOL_VERSION: 'The device speaks an unsupported protocol version; its data is refused.',
  AFG_E_GATT_PAYLOAD: 'A BLE GATT characteristic payload was malformed and was dropped.',
  AFG_E_PMD_PAYLOAD: 'A Polar PMD data frame was malformed and was dropped.',
  AFG_E_GAZEPOINT_RECORD: 'A Gazepoint Open Gaze API line was malformed (garbled, oversized, or a record without a time) and was dropped.',
  AFG_E_GAZEPOINT_REFUSED: 'Gazepoint Control answered a SET of the gateway with NACK (an ID this server or firmware does not support); the fields it enables are missing, the rest streams on.',
  AFG_E_PUPIL_MESSAGE: 'A Pupil Core network-API message was malformed (not a msgpack map, not [topic, payload], or without norm_pos/confidence/timestamp) and was dropped, or Pupil Remote answered SUB_PORT / t with something that is not a port / a time (the session is restarted).',
  AFG_E_DEVICE_IO: 'A device transport failed; it will reconnect with backoff.',
  AFG_E_BLE_UNAVAILABLE: 'Bluetooth is not available on this machine; BLE devices are not started.',
  AFG_E_BLE_MTU: "A Polar sensor refused to stream ECG/ACC because the negotiated BLE ATT MTU is too small for its PMD frames; heart rate keeps flowing. Use an adapter and bindings that negotiate a larger MTU (noble's HCI bindings ask for 256; the Polar SDK asks for 512).",
  AFG_E_SENSOR_LOST: 'A device has been silent longer than the configured timeout.',
  AFG_E_CLOCK_SYNC: 'Device clock could not be synchronised; samples are held back.',
  AFG_E_OUTBOX_IO: 'The outbox could not be written to disk.',
  AFG_E_OUTBOX_FULL: 'The outbox is full; entries were dropped by the configured priority.',
  AFG_E_MQTT_CONNECT: 'The MQTT broker could not be reached; retrying with backoff.',
  AFG_E_MQTT_COMMAND_INVALID: 'An MQTT command was invalid or unauthorised and was refused.',
  AFG_E_MQTT_AUTH: 'The MQTT broker refused the credentials (username/password, client id or certificate identity); retrying with backoff. Check mqtt.username/password/clientId and the broker\'s ACL.',
  AFG_E_MQTT_TLS: 'The TLS handshake with the MQTT broker failed (untrusted or expired certificate, wrong host name, client certificate refused); retrying with backoff. Check mqtt.tls.',
  AFG_E_MQTT_DUPLICATE_GATEWAY: "Another process publishes under this gateway's afg/v1/<site>/<gateway>/ topics (the same site and gateway ids): consumers cannot tell the two apart and both act on its commands. Give every gateway its own site/gateway ids.",
  AFG_E_MQTT_ACL_DENIED: 'The MQTT broker\'s ACL refused a publish or subscription of the gateway; the message stays in the outbox.',
  AFG_E_MQTT_COMMAND_UNAUTHORISED: 'An MQTT command came from an unknown actor or with a wrong token and was refused.',
  AFG_E_MQTT_COMMAND_RATE_LIMITED: 'MQTT commands arrived faster than mqtt.commands.maxPerMinute; the excess was refused.',
  AFG_E_MQTT_COMMAND_FAILED: 'The gateway could not carry out a valid MQTT command; it was refused.',
  AFG_E_MQTT_INPUT_INVALID: 'An MQTT input message (vehicle speed) was malformed or for an unknown driver and was dropped.',
  AFG_E_VEHICLE_SPEED_STALE: 'A driver\'s vehicle speed signal is stale; the configured assumed speed is used until it is fresh again.',
  AFG_E_SPARKPLUG_BUFFER_FULL: 'The Sparkplug edge node buffered more historical metric changes than sparkplug.maxHistorical while offline; the oldest were dropped.',
  AFG_E_SPARKPLUG_COMMAND_INVALID: 'A Sparkplug NCMD/DCMD could not be decoded or named no writable metric and was ignored.',
  AFG_E_STORE_CORRUPT: 'The store file is corrupt; a backup was kept and the start was stopped.',
  AFG_E_STORE_IO: 'The store file could not be written (full disk?); the store keeps its state in memory and writes it whole at the next change and at stop.',
  AFG_E_MODEL_LOAD: 'A model file cannot be read or onnxruntime cannot load it.',
  AFG_E_MODEL_MANIFEST: 'models/manifest.json is missing, invalid, or has no entry for the configured model.',
  AFG_E_MODEL_MISMATCH: "A model's inputs, outputs or features do not match its manifest entry (or this gateway).",
  AFG_E_MODEL_HASH: "A model file's sha256 differs from the one its manifest entry records.",
  AFG_E_EXECUTION_PROVIDER: 'No execution provider in inference.executionProviders could run the model.',
  AFG_E_INFERENCE_RUN: "A batched model run failed; that tick's estimates came from the rule-based fallback.",
  AFG_E_HTTP_AUTH: 'The dashboard needs authentication for this action.',
  AFG_E_DASHBOARD_INSECURE_BIND: 'The dashboard would bind a non-loopback address without authentication.',
  AFG_E_HTTP_CSRF: 'A cookie-authenticated write came without the session\'s CSRF token (or from another site) and was refused.',
  AFG_E_HTTP_RATE_LIMIT: 'Too many dashboard login attempts from this address; wait and try again.',
  AFG_E_HTTP_BAD_REQUEST: 'A dashboard API request failed its schema (field named in the message) and was refused.',
  AFG_E_HTTP_INTERNAL: 'The dashboard failed to answer a request; the gateway log has the cause.',
  AFG_E_HTTP_NOT_FOUND: 'The dashboard API has no such alert, decision, wearer or route.',
  AFG_E_HTTP_COMMANDS_UNAVAILABLE: 'The dashboard has no command port to hand write actions to.',
  AFG_E_RAW_GAZE_DISABLED: 'Raw gaze is not shown unless dashboard.allowRawGaze is true.',
  AFG_E_DASHBOARD_UI_BUILD: 'The dashboard UI bundle could not be built (esbuild); the message names the file.',
  AFG_E_FLOOR_MODE_PAYLOAD: 'A message from another gateway on the site broker did not match its schema and was dropped.',
  AFG_E_SCENARIO_INVALID: 'A simulator scenario file is invalid.',
  AFG_E_RECORDING_INVALID: 'A recording file is invalid or truncated.',
  AFG_E_INPUT_INVALID: 'An input file or argument is invalid.',
  AFG_E_COMMAND_INVALID: 'A command failed its schema or carries an out-of-range value; fix the field named in the reason.',
  AFG_E_COMMAND_UNAUTHORISED: 'The sender\'s role may not send this command (docs: README "Commands and who may send them").',
  AFG_E_COMMAND_NOT_FOUND: 'The alert, decision or threshold named by the command does not exist.',
  AFG_E_COMMAND_CONFLICT: 'The command does not apply in the target\'s current state (cleared alert, decided decision).',
  AFG_E_COMMAND_UNAVAILABLE: 'The gateway is stopping or not ticking; the command was not applied. Send it again later.',
  AFG_E_GAZE_CSV_INVALID: 'A gaze CSV file is malformed (missing column, bad number, timestamps not increasing, bad label); the message names the line.',
  AFG_E_SAMPLE_ORDER: 'A sample was not newer than the previous one of its stream for the same wearer; it was dropped and counted (check the device clock mapping).',
  AFG_E_EYE_EVENTS_RUN: 'A run of the eye-events model failed; the samples of that window were labelled undefined and counted (the detector keeps running).',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class AfgError extends Error {
  readonly code: ErrorCode;
  /** JSON-pointer-like path of the offending field, when there is one (config, commands) */
  readonly path?: string;
  constructor(code: ErrorCode, message: string, opts: { path?: string; cause?: unknown } = {}) {
    super(`${code}: ${message}`, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'AfgError';
    this.code = code;
    if (opts.path !== undefined) this.path = opts.path;
  }
}

/**
 * Counts rejected input by error code, per source. Cheap enough for the hot path: a Map lookup.
 *
 * @example
 *   const errors = new ErrorCounter();
 *   errors.count('AFG_E_FRAME_CRC');
 *   errors.get('AFG_E_FRAME_CRC'); // 1
 */
export class ErrorCounter {
  private readonly counts = new Map<ErrorCode, number>();
  private listener: ((code: ErrorCode) => void) | undefined;

  count(code: ErrorCode, n = 1): void {
    this.counts.set(code, (this.counts.get(code) ?? 0) + n);
    this.listener?.(code);
  }

  get(code: ErrorCode): number {
    return this.counts.get(code) ?? 0;
  }

  total(): number {
    let s = 0;
    for (const v of this.counts.values()) s += v;
    return s;
  }

  snapshot(): Partial<Record<ErrorCode, number>> {
    return Object.fromEntries(this.counts) as Partial<Record<ErrorCode, number>>;
  }

  /** One observer (metrics), told of each counted code. */
  onCount(listener: (code: ErrorCode) => void): void {
    this.listener = listener;
  }
}
