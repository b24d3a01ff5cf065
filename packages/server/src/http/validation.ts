/**
 * Schema validation for routes. Bodies are validated strictly (no type coercion: `"5"` is not a number), while
 * query strings and path params coerce, since everything there arrives as text. Unknown fields are allowed
 * (docs/api.md: clients send fields we do not model).
 *
 * Two rules the schemas state but plain ajv does not enforce the way the server needs:
 * - `custom` objects a client writes (the protocol's CustomRequest, marked with CUSTOM_DATA_KEYWORD) are at most
 *   `maxCustomBytes` UTF-8 bytes of JSON, a limit that is node configuration rather than part of the schema;
 * - a `date-time` must also be a time JavaScript can represent: RFC 3339 allows a leap second (`23:59:60`) that
 *   `Date` cannot parse, and such a value would fail later, when it is stored.
 */

import { CUSTOM_DATA_KEYWORD } from '@switchboard/protocol';
import AjvModule, { type SchemaValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';
import type { InputLimits } from '../services/context.js';

// Both packages are CommonJS with a `default` export; under NodeNext the class sits on `.default`.
const Ajv = AjvModule.default;
const addFormats = addFormatsModule.default;

/** UTF-8 bytes of a value's JSON text (what is stored and sent), not UTF-16 units. */
export function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value) ?? '');
}

function customDataKeyword(maxBytes: number): SchemaValidateFunction {
  const validate: SchemaValidateFunction = (_marked: boolean, data: unknown) => {
    if (jsonBytes(data) <= maxBytes) return true;
    validate.errors = [
      {
        keyword: CUSTOM_DATA_KEYWORD,
        message: `must be at most ${maxBytes} bytes of JSON`,
        params: { limit: maxBytes },
      },
    ];
    return false;
  };
  return validate;
}

const rfc3339 = addFormats.get('date-time', 'full') as { validate: (value: string) => boolean };

function isRepresentableDateTime(value: string): boolean {
  return rfc3339.validate(value) && Number.isFinite(Date.parse(value));
}

function newAjv(coerceTypes: boolean, limits: InputLimits) {
  const ajv = new Ajv({ coerceTypes, allErrors: false, strict: false, useDefaults: false, removeAdditional: false });
  ajv.addFormat('date-time', { type: 'string', validate: isRepresentableDateTime });
  ajv.addKeyword({
    keyword: CUSTOM_DATA_KEYWORD,
    schemaType: 'boolean',
    errors: true,
    validate: customDataKeyword(limits.maxCustomBytes),
  });
  return ajv;
}

export function validatorCompiler(limits: InputLimits): FastifySchemaCompiler<unknown> {
  const strictAjv = newAjv(false, limits);
  const coercingAjv = newAjv(true, limits);
  return ({ schema, httpPart }) => {
    const ajv = httpPart === 'body' ? strictAjv : coercingAjv;
    return ajv.compile(schema as object) as ReturnType<FastifySchemaCompiler<unknown>>;
  };
}

/** A validator for one schema outside a route (the realtime handshake), with the same rules as routes' bodies. */
export function bodyValidator<T>(schema: object, limits: InputLimits) {
  return newAjv(false, limits).compile<T>(schema);
}
