/**
 * Opaque, tamper-checked keyset cursors. A cursor carries the sort values of the boundary row of a page; its
 * HMAC also covers the query scope (resource, call), the sort signature and the direction, so a forged, edited,
 * or transplanted cursor (other call, other sort, `prev` passed as `next`) is an input error rather than a page
 * of somebody's guess. Cursors are not encrypted: they reveal the boundary row's sort values (times, ids) that
 * the holder has already seen in the page.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { inputError } from '../errors.js';

/** Bounds the work spent on a cursor before it is authenticated (decode, HMAC). */
export const MAX_CURSOR_LENGTH = 4096;
const MAC_BYTES = 16;
const DOMAIN = 'switchboard/query-cursor/v1';

export type CursorDirection = 'next' | 'prev';

export interface CursorBinding {
  /** e.g. `calls`, `members:default:abc`, `users`. */
  readonly scope: string;
  readonly sort: string;
  readonly direction: CursorDirection;
}

export function encodeCursor(secret: string, binding: CursorBinding, values: readonly string[]): string {
  const payload = Buffer.from(JSON.stringify(values)).toString('base64url');
  return `${payload}.${mac(secret, binding, payload).toString('base64url')}`;
}

/**
 * The boundary row's sort values, after checking the cursor was issued by us for this binding.
 * @param at the request field the cursor came in (`next` or `prev`), named in the input error.
 */
export function decodeCursor(
  secret: string,
  binding: CursorBinding,
  token: unknown,
  arity: number,
  at: string,
): string[] {
  const invalid = (): never => {
    throw inputError(`${at}: invalid cursor (forged, corrupted, or issued for a different query or sort)`, at);
  };
  if (typeof token !== 'string' || token.length === 0 || token.length > MAX_CURSOR_LENGTH) return invalid();
  const [payload, signature, extra] = token.split('.');
  if (!payload || !signature || extra !== undefined) return invalid();
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== MAC_BYTES || !timingSafeEqual(given, mac(secret, binding, payload))) return invalid();
  let values: unknown;
  try {
    values = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return invalid(); // authentic but unparsable means a bug or a rotated format; either way not usable
  }
  if (!Array.isArray(values) || values.length !== arity || !values.every((v) => typeof v === 'string'))
    return invalid();
  return values as string[];
}

function mac(secret: string, binding: CursorBinding, payload: string): Buffer {
  if (secret.length === 0) throw new Error('cursor secret must not be empty');
  const message = [DOMAIN, binding.scope, binding.sort, binding.direction, payload].join('\n');
  return createHmac('sha256', secret).update(message).digest().subarray(0, MAC_BYTES);
}
