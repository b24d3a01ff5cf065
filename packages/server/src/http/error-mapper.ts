/**
 * The one place errors become responses (docs/api.md "Errors"). ApiErrors keep their code; fastify's validation and
 * body-parsing errors become input errors naming the field; anything else is logged and answered as a generic 500
 * that reveals nothing internal.
 */
import { type APIErrorBody, ErrorCode, HttpStatusByErrorCode } from '@switchboard/protocol';
import type { FastifyError } from 'fastify';
import { ApiError } from '../domain/errors.js';
import { isDatabaseUnavailable } from '../store/connection-errors.js';
import { isStatementTimeout } from '../store/database.js';

interface AjvError {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

/** `/data/members/0/user_id` → `data.members[0].user_id`; `prefix` names the validated value (`user_details`). */
function fieldPath(context: string | undefined, error: AjvError, prefix = ''): string {
  const parts = error.instancePath.split('/').filter(Boolean);
  if (error.keyword === 'required' && typeof error.params.missingProperty === 'string') {
    parts.push(error.params.missingProperty);
  }
  if (error.keyword === 'additionalProperties' && typeof error.params.additionalProperty === 'string') {
    parts.push(error.params.additionalProperty);
  }
  let path = prefix;
  for (const part of parts) path += /^\d+$/.test(part) ? `[${part}]` : path ? `.${part}` : part;
  return path || (context === 'body' ? 'body' : (context ?? 'request'));
}

function describe(error: AjvError): string {
  if (error.keyword === 'additionalProperties') return 'is not an allowed key';
  if (error.keyword === 'enum' && Array.isArray(error.params.allowedValues)) {
    return `must be one of ${error.params.allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
  }
  return error.message ?? 'is invalid';
}

/** The input error for a failed validation of a value outside a route (the realtime handshake's `user_details`). */
export function validationError(errors: readonly AjvError[], prefix: string): ApiError {
  const first = errors[0] as AjvError;
  const field = fieldPath(undefined, first, prefix);
  return new ApiError(ErrorCode.InputError, `${field} ${describe(first)}`, { [field]: describe(first) });
}

export function toApiError(err: unknown): ApiError | undefined {
  if (err instanceof ApiError) return err;
  const fe = err as FastifyError & { validation?: AjvError[]; validationContext?: string };
  if (Array.isArray(fe.validation) && fe.validation.length > 0) {
    const first = fe.validation[0] as AjvError;
    const field = fieldPath(fe.validationContext, first);
    const detail = `${field} ${describe(first)}`;
    return new ApiError(ErrorCode.InputError, detail, { [field]: describe(first) });
  }
  if (typeof fe.code === 'string' && fe.code.startsWith('FST_ERR_CTP')) {
    // Malformed JSON, empty or oversized bodies, unsupported content types: the client's fault.
    const status = typeof fe.statusCode === 'number' && fe.statusCode < 500 ? fe.statusCode : 400;
    return new ApiError(ErrorCode.InputError, fe.message, { body: fe.message }, status);
  }
  if (isStatementTimeout(err)) {
    return new ApiError(ErrorCode.RequestTimeout, 'the request took longer than the database statement timeout');
  }
  if (isDatabaseUnavailable(err)) {
    // Same code as a statement timeout: the server did not do the work (its transaction rolled back), retry later.
    return new ApiError(ErrorCode.RequestTimeout, 'the database is unavailable; nothing was written, retry later');
  }
  // Any other SyntaxError (a corrupt stored column, a bad credentials file) is the server's own problem: the
  // client's JSON is parsed by http/json-input.ts, which answers its own input errors.
  return undefined;
}

export function errorBody(error: ApiError, operation: string, duration: string): APIErrorBody {
  return {
    code: error.code,
    message: `${operation} failed with error: "${error.message}"`,
    StatusCode: error.status,
    duration,
    more_info: '',
    details: [],
    ...(error.exceptionFields ? { exception_fields: error.exceptionFields } : {}),
  };
}

export function internalError(): ApiError {
  return new ApiError(ErrorCode.Internal, 'internal error', undefined, HttpStatusByErrorCode[ErrorCode.Internal]);
}

/** The error body as an OpenAPI schema, its `code` enum generated from the catalogue. */
export function apiErrorSchema(): Record<string, unknown> {
  return {
    type: 'object',
    required: ['code', 'message', 'StatusCode', 'duration', 'more_info', 'details'],
    properties: {
      code: { type: 'integer', enum: Object.values(ErrorCode) },
      message: { type: 'string' },
      StatusCode: { type: 'integer' },
      duration: { type: 'string' },
      more_info: { type: 'string' },
      details: { type: 'array', items: { type: 'integer' } },
      exception_fields: { type: 'object', additionalProperties: { type: 'string' } },
      unrecoverable: { type: 'boolean' },
    },
  };
}
