/**
 * The one error type services throw. The HTTP layer (http/error-mapper.ts) turns it into the API error JSON;
 * realtime turns it into `connection.error`. Codes come from the protocol's catalogue.
 */
import { ErrorCode, HttpStatusByErrorCode } from '@switchboard/protocol';

export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  /** Field path → what is wrong with it, for input errors. */
  readonly exceptionFields: Record<string, string> | undefined;

  constructor(code: ErrorCode, detail: string, exceptionFields?: Record<string, string>, status?: number) {
    super(detail);
    this.name = 'ApiError';
    this.code = code;
    this.status = status ?? HttpStatusByErrorCode[code];
    this.exceptionFields = exceptionFields;
  }
}

/** Input error naming the offending field (code 4, HTTP 400). */
export function inputError(detail: string, field?: string): ApiError {
  return new ApiError(ErrorCode.InputError, detail, field ? { [field]: detail } : undefined);
}

export function notFound(detail: string): ApiError {
  return new ApiError(ErrorCode.DoesNotExist, detail);
}

export function notAllowed(detail: string): ApiError {
  return new ApiError(ErrorCode.NotAllowed, detail);
}

export function authFailed(detail: string): ApiError {
  return new ApiError(ErrorCode.AuthFailed, detail);
}
