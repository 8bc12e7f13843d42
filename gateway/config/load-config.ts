import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import YAML from 'yaml';
import { AfgError } from '../core/errors.ts';
import { checkDeviceRules } from './device-rules.ts';
import { ConfigSchema, type GatewayConfig } from './schema.ts';
import { checkSchedulerConfig } from '../scheduler/scheduler-config.ts';

// discriminator: tagged unions (transport, geometry) get their defaults and precise error paths
const ajv = new Ajv({ useDefaults: true, allErrors: false, strict: false, discriminator: true, verbose: true });
const validate = ajv.compile<GatewayConfig>(ConfigSchema);

/**
 * Validates a parsed config object, fills defaults, and checks cross-field rules.
 * Throws AfgError AFG_E_CONFIG_INVALID with the JSON-pointer path of the first bad field.
 *
 * @example
 *   const cfg = validateConfig({ site: 'plant-4' }); // every other field defaulted
 */
export function validateConfig(raw: unknown): GatewayConfig {
  const value = raw === null || raw === undefined ? {} : structuredClone(raw);
  if (!validate(value)) throw configError(validate.errors?.[0]);
  checkCrossFields(value);
  return value;
}

/** Reads a YAML or JSON config file; relative paths inside it resolve against its folder. */
export async function loadConfigFile(file: string): Promise<{ config: GatewayConfig; baseDir: string }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new AfgError('AFG_E_CONFIG_UNREADABLE', `cannot read config file ${file}: ${(err as Error).message}`, { cause: err });
  }
  let parsed: unknown;
  try {
    parsed = YAML.parse(text, { prettyErrors: true });
  } catch (err) {
    throw new AfgError('AFG_E_CONFIG_UNREADABLE', `config file ${file} is not valid YAML/JSON: ${(err as Error).message}`, { cause: err });
  }
  return { config: validateConfig(parsed), baseDir: path.dirname(path.resolve(file)) };
}

function configError(e: ErrorObject | undefined): AfgError {
  if (!e) return new AfgError('AFG_E_CONFIG_INVALID', 'invalid configuration', { path: '/' });
  let at = e.instancePath || '';
  let what = e.message ?? 'is invalid';
  if (e.keyword === 'additionalProperties') {
    at += `/${(e.params as { additionalProperty: string }).additionalProperty}`;
    what = 'is not a known field (check the spelling against examples/config.yaml)';
  } else if (e.keyword === 'discriminator') {
    const { tag, tagValue } = e.params as { tag: string; tagValue?: unknown };
    at += `/${tag}`;
    const known = ((e.parentSchema?.['oneOf'] ?? []) as { properties?: Record<string, { const?: unknown }> }[]).map((b) => b.properties?.[tag]?.const);
    what = `is ${JSON.stringify(tagValue)}, not one of ${JSON.stringify(known)}`;
  } else if (e.keyword === 'enum' || e.keyword === 'const') {
    what += ` (${JSON.stringify((e.params as { allowedValues?: unknown }).allowedValues ?? (e.params as { allowedValue?: unknown }).allowedValue)})`;
  }
  at ||= '/';
  return new AfgError('AFG_E_CONFIG_INVALID', `config field ${at} ${what}`, { path: at });
}

function checkCrossFields(cfg: GatewayConfig): void {
  const stationIds = new Set<string>();
  cfg.stations.forEach((s, i) => {
    if (stationIds.has(s.id)) throw invalid(`/stations/${i}/id`, `duplicates station id '${s.id}'`);
    stationIds.add(s.id);
  });
  const wearerIds = new Set<string>();
  const deviceIds = new Set<string>();
  cfg.wearers.forEach((w, i) => {
    if (wearerIds.has(w.id)) throw invalid(`/wearers/${i}/id`, `duplicates wearer id '${w.id}'`);
    wearerIds.add(w.id);
    if (w.station !== undefined && !stationIds.has(w.station)) throw invalid(`/wearers/${i}/station`, `names unknown station '${w.station}'`);
    w.devices.forEach((d, j) => {
      if (deviceIds.has(d.id)) throw invalid(`/wearers/${i}/devices/${j}/id`, `duplicates device id '${d.id}'`);
      deviceIds.add(d.id);
      checkDeviceRules(d, `/wearers/${i}/devices/${j}`);
      const tr = d.transport;
      if (tr.type === 'simulated' && !cfg.simulation.enabled) {
        throw invalid(`/wearers/${i}/devices/${j}/transport/type`, "is 'simulated' but simulation.enabled is false");
      }
    });
  });
  if (cfg.simulation.enabled && cfg.simulation.scenario === null) throw invalid('/simulation/scenario', 'is required when simulation.enabled is true');
  // a floor from a simulation scenario is checked again at start, once it is known
  const sched = checkSchedulerConfig(cfg, { floorKnown: cfg.wearers.length > 0 });
  if (sched) throw invalid(...sched);
}

function invalid(at: string, what: string): AfgError {
  return new AfgError('AFG_E_CONFIG_INVALID', `config field ${at} ${what}`, { path: at });
}
