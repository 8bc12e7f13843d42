import { Ajv } from 'ajv';
import type { FastifySchemaCompiler } from 'fastify';

/**
 * Request validation for the dashboard's routes, stricter than fastify's defaults: a JSON body
 * must match its schema exactly (no type coercion, unknown fields refused rather than silently
 * dropped), as the command contract does for MQTT; query strings and path parameters are text by
 * nature, so they are coerced to the schema's types and unknown query fields are dropped.
 * Cost: one compile per route schema at start; validation O(size of the input).
 *
 * @example
 *   app.setValidatorCompiler(dashboardValidatorCompiler());
 */
// one pair per process: ajv caches compiled schemas by object, so routes (and dashboards in one
// process) that share a schema compile it once
let pair: { strict: Ajv; lenient: Ajv } | null = null;

export function dashboardValidatorCompiler(): FastifySchemaCompiler<unknown> {
  pair ??= {
    strict: new Ajv({ coerceTypes: false, removeAdditional: false, useDefaults: true, allErrors: false, strict: false }),
    lenient: new Ajv({ coerceTypes: true, removeAdditional: true, useDefaults: true, allErrors: false, strict: false }),
  };
  const { strict, lenient } = pair;
  return ({ schema, httpPart }) => {
    const ajv = httpPart === 'body' ? strict : lenient;
    return ajv.compile(schema as object) as ReturnType<FastifySchemaCompiler<unknown>>;
  };
}
