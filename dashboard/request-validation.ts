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
export function dashboardValidatorCompiler(): FastifySchemaCompiler<unknown> {
  const strict = new Ajv({ coerceTypes: false, removeAdditional: false, useDefaults: true, allErrors: false, strict: false });
  const lenient = new Ajv({ coerceTypes: true, removeAdditional: true, useDefaults: true, allErrors: false, strict: false });
  return ({ schema, httpPart }) => {
    const ajv = httpPart === 'body' ? strict : lenient;
    return ajv.compile(schema as object) as ReturnType<FastifySchemaCompiler<unknown>>;
  };
}
