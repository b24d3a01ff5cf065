/**
 * The one error type the SDK throws for anything that went wrong on the wire (docs/api.md "Errors").
 * Argument mistakes caught before a request is sent throw a plain `TypeError` instead.
 */
import type { APIErrorBody } from '@switchboard/protocol/wire';

/** `code` used when the failure carries no API error body: network errors, timeouts, non-API responses. */
export const NO_API_CODE = -1;

export interface SwitchboardErrorInit {
  code: number;
  status: number;
  exceptionFields?: Record<string, string>;
  body?: unknown;
  unrecoverable?: boolean;
  cause?: unknown;
}

/**
 * A failed request. Branch on `code` (the API's numeric error code, stable across versions) rather than on
 * `message`; `status` is the HTTP status, or `0` when no response arrived.
 *
 * @example
 * ```ts
 * try {
 *   await client.video.call('default', 'nope').get();
 * } catch (err) {
 *   if (err instanceof SwitchboardError && err.code === ErrorCode.DoesNotExist) {
 *     // the call does not exist
 *   }
 * }
 * ```
 */
export class SwitchboardError extends Error {
  /** API error code (`ErrorCode`), or -1 when the response was not an API error body or never arrived. */
  readonly code: number;
  /** HTTP status; `0` for network failures and timeouts. */
  readonly status: number;
  /** Per-field validation messages for input errors (code 4); empty otherwise. */
  readonly exceptionFields: Record<string, string>;
  /** The parsed response body (the raw text when it was not JSON; `undefined` when no response arrived). */
  readonly body: unknown;
  /** Set by the server when retrying cannot succeed (e.g. an auth rejection). */
  readonly unrecoverable: boolean;

  constructor(message: string, init: SwitchboardErrorInit) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'SwitchboardError';
    this.code = init.code;
    this.status = init.status;
    this.exceptionFields = init.exceptionFields ?? {};
    this.body = init.body;
    this.unrecoverable = init.unrecoverable ?? false;
  }

  /** Builds the error for a non-2xx response from its status and (possibly non-JSON) body. */
  static fromResponse(status: number, statusText: string, body: unknown): SwitchboardError {
    if (isApiErrorBody(body)) {
      return new SwitchboardError(body.message, {
        code: body.code,
        status,
        exceptionFields: body.exception_fields,
        body,
        unrecoverable: body.unrecoverable,
      });
    }
    const bodyMessage = isRecord(body) && typeof body.message === 'string' ? body.message : undefined;
    return new SwitchboardError(bodyMessage ?? `HTTP ${status}${statusText ? ` ${statusText}` : ''}`, {
      code: NO_API_CODE,
      status,
      body,
    });
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** True when `value` has the shape of the API's error body (a numeric `code` and a string `message`). */
export function isApiErrorBody(value: unknown): value is APIErrorBody {
  return isRecord(value) && typeof value.code === 'number' && typeof value.message === 'string';
}
