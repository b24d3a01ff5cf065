/**
 * JSON from clients (request bodies, the `payload` query parameter of QueryUsers). Besides syntax, strings may not
 * contain U+0000: PostgreSQL text cannot store it, so without this check the same input would be accepted on
 * SQLite and fail with a 500 on PostgreSQL.
 */
import { ErrorCode } from '@switchboard/protocol';
import { ApiError } from '../domain/errors.js';

/** The path of the first string (value or key) holding U+0000, e.g. `data.custom.note`. */
function nulPath(value: unknown, path: string): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path : undefined;
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) {
      const found = nulPath(v, `${path}[${i}]`);
      if (found !== undefined) return found;
    }
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const at = path ? `${path}.${k}` : k;
      if (k.includes('\u0000')) return at;
      const found = nulPath(v, at);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

/** Parses client JSON; `field` names the input in errors (`body`, `payload`). */
export function parseJsonInput(text: string, field: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ApiError(ErrorCode.InputError, `invalid JSON ${field}: ${(err as Error).message}`, {
      [field]: 'invalid JSON',
    });
  }
  // A NUL can only arrive escaped (`\u0000`): JSON forbids raw control characters in strings.
  if (text.includes('\\u0000')) {
    const path = nulPath(value, field === 'body' ? '' : field);
    if (path !== undefined) {
      const at = path || field;
      throw new ApiError(ErrorCode.InputError, `${at} must not contain the character U+0000`, {
        [at]: 'must not contain the character U+0000',
      });
    }
  }
  return value;
}
