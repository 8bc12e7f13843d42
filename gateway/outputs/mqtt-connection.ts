import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { IClientOptions } from 'mqtt';
import type { GatewayConfig } from '../config/schema.ts';
import { AfgError, type ErrorCode } from '../core/errors.ts';

/** What the sink and the Sparkplug edge node need to open a connection; secrets already read from their files. */
export interface MqttConnectionSettings {
  url: string;
  protocolVersion: 4 | 5;
  keepaliveS: number;
  reconnectMinMs: number;
  reconnectMaxMs: number;
  username: string | null;
  password: string | null;
  tls: { ca: Buffer | null; cert: Buffer | null; key: Buffer | null; rejectUnauthorized: boolean; servername: string | null };
}

/**
 * Resolves the mqtt section of the config into connection settings: relative TLS and password
 * files resolve from the config's folder and are read once here, so a missing or unreadable
 * file stops the start with the field's path (AFG_E_CONFIG_INVALID) instead of failing every
 * reconnect. A certificate the broker refuses is a runtime error (AFG_E_MQTT_TLS), retried.
 *
 * Cost: a few small file reads at start.
 *
 * @example
 *   const s = mqttConnectionSettings(config, baseDir, 'mqtts://broker:8883', false);
 *   const client = mqtt.connect(s.url, { ...mqttClientOptions(s), clientId, will });
 */
export function mqttConnectionSettings(config: GatewayConfig, baseDir: string, url: string, embedded: boolean): MqttConnectionSettings {
  const m = config.mqtt;
  if (m.reconnectMinMs > m.reconnectMaxMs) throw invalid('/mqtt/reconnectMinMs', `(${m.reconnectMinMs}) must not exceed reconnectMaxMs (${m.reconnectMaxMs})`);
  if ((m.tls.cert === null) !== (m.tls.key === null)) throw invalid(m.tls.cert === null ? '/mqtt/tls/cert' : '/mqtt/tls/key', 'is required together with the other (a client certificate needs its key)');
  if (m.password !== null && m.passwordFile !== null) throw invalid('/mqtt/passwordFile', 'and mqtt.password are both set; keep one');
  const usesTls = /^(mqtts|wss|ssl):\/\//.test(url);
  if (!usesTls && (m.tls.ca !== null || m.tls.cert !== null)) throw invalid('/mqtt/url', `is ${url}, not mqtts:// or wss://, but mqtt.tls names certificates: they would not be used`);
  const read = (file: string | null, at: string): Buffer | null => {
    if (file === null) return null;
    try {
      return readFileSync(path.resolve(baseDir, file));
    } catch (err) {
      throw invalid(at, `names ${file}, which cannot be read: ${(err as Error).message}`);
    }
  };
  const password = m.passwordFile !== null ? read(m.passwordFile, '/mqtt/passwordFile')!.toString('utf8').replace(/\r?\n$/, '') : m.password;
  return {
    url,
    // aedes (the embedded broker) speaks MQTT 3.1.1 only
    protocolVersion: m.protocolVersion ?? (embedded ? 4 : 5),
    keepaliveS: m.keepaliveS,
    reconnectMinMs: m.reconnectMinMs,
    reconnectMaxMs: m.reconnectMaxMs,
    username: m.username,
    password,
    tls: { ca: read(m.tls.ca, '/mqtt/tls/ca'), cert: read(m.tls.cert, '/mqtt/tls/cert'), key: read(m.tls.key, '/mqtt/tls/key'), rejectUnauthorized: m.tls.rejectUnauthorized, servername: m.tls.servername },
  };
}

/** The mqtt.js options every gateway connection shares: protocol, credentials, TLS, timeouts. */
export function mqttClientOptions(s: MqttConnectionSettings): IClientOptions {
  const o: IClientOptions = {
    protocolVersion: s.protocolVersion,
    keepalive: s.keepaliveS,
    connectTimeout: 10_000,
    // never queue while offline: the outbox is the queue (mqtt.js's is unbounded and replays first)
    queueQoSZero: false,
    // a refused CONNACK (bad password) is retried with backoff like a network failure, not given up
    reconnectOnConnackError: true,
  };
  if (s.username !== null) o.username = s.username;
  if (s.password !== null) o.password = s.password;
  if (s.tls.ca) o.ca = s.tls.ca;
  if (s.tls.cert) o.cert = s.tls.cert;
  if (s.tls.key) o.key = s.tls.key;
  if (s.tls.servername) o.servername = s.tls.servername;
  o.rejectUnauthorized = s.tls.rejectUnauthorized;
  return o;
}

/** CONNACK reason codes that mean "who you are is refused" (MQTT 3.1.1 §3.2.2.3; MQTT 5 §3.2.2.2). */
const AUTH_REASON_CODES = new Set([2, 4, 5, 133, 134, 135, 138, 140]);

/**
 * Maps an mqtt.js / TLS error to the gateway's code: a refused identity is AFG_E_MQTT_AUTH, a
 * failed TLS handshake AFG_E_MQTT_TLS, anything else (refused TCP, timeouts, resets)
 * AFG_E_MQTT_CONNECT. Node's TLS errors carry OpenSSL's codes (`ERR_SSL_...`, `CERT_...`,
 * `UNABLE_TO_VERIFY_LEAF_SIGNATURE`, `ERR_TLS_CERT_ALTNAME_INVALID`).
 */
export function classifyMqttError(err: Error & { code?: unknown }): ErrorCode {
  const code = err.code;
  if (typeof code === 'number' && AUTH_REASON_CODES.has(code)) return 'AFG_E_MQTT_AUTH';
  if (typeof code === 'string' && /^(ERR_SSL_|ERR_TLS_|ERR_OSSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|HOSTNAME_MISMATCH|EPROTO$)/.test(code)) return 'AFG_E_MQTT_TLS';
  if (/certificate|SSL routines|tlsv1 alert|tlsv13 alert|sslv3 alert|wrong version number/i.test(err.message)) return 'AFG_E_MQTT_TLS';
  return 'AFG_E_MQTT_CONNECT';
}

/** Next reconnect delay: doubles per failed try, within [min, max]. */
export function nextBackoff(currentMs: number, minMs: number, maxMs: number): number {
  return Math.min(maxMs, Math.max(minMs, currentMs * 2));
}

function invalid(at: string, what: string): AfgError {
  return new AfgError('AFG_E_CONFIG_INVALID', `config field ${at} ${what}`, { path: at });
}
