/**
 * Schema validation for routes. Bodies are validated strictly (no type coercion: `"5"` is not a number), while
 * query strings and path params coerce, since everything there arrives as text. Unknown fields are allowed
 * (docs/api.md: clients send fields we do not model).
 */
import AjvModule from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

// Both packages are CommonJS with a `default` export; under NodeNext the class sits on `.default`.
const Ajv = AjvModule.default;
const addFormats = addFormatsModule.default;

function newAjv(coerceTypes: boolean) {
  const ajv = new Ajv({ coerceTypes, allErrors: false, strict: false, useDefaults: false, removeAdditional: false });
  addFormats(ajv, ['date-time']);
  return ajv;
}

export function validatorCompiler(): FastifySchemaCompiler<unknown> {
  const strictAjv = newAjv(false);
  const coercingAjv = newAjv(true);
  return ({ schema, httpPart }) => {
    const ajv = httpPart === 'body' ? strictAjv : coercingAjv;
    return ajv.compile(schema as object) as ReturnType<FastifySchemaCompiler<unknown>>;
  };
}
