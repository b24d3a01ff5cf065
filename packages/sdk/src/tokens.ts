/**
 * JWT minting (docs/api.md "Authentication"): HS256 signed with the app secret. jose runs in Node and browsers alike, but minting
 * in a browser means shipping the secret to it, so only do that in trusted code (tests, tools, your backend).
 */
import { SignJWT } from 'jose';

/** Seconds subtracted from "now" for a default `iat`, so a server whose clock runs slightly behind accepts it. */
export const CLOCK_SKEW_SECONDS = 5;

export interface UserTokenOptions {
  user_id: string;
  /** Lifetime in seconds, counted from `iat` when given, otherwise from now. Omit for a token without `exp`. */
  validity_in_seconds?: number;
  /** Issued-at, unix seconds. Default: now minus {@link CLOCK_SKEW_SECONDS}. */
  iat?: number;
  /** Expiry, unix seconds. Wins over `validity_in_seconds`. */
  exp?: number;
  /** Restrict the token to these call cids (`type:id`). */
  call_cids?: string[];
  /**
   * Informational only: the server ignores a token's `role` claim and uses the user's stored role
   * (docs/api.md "Behaviour choices").
   */
  role?: string;
}

export interface CallTokenOptions extends Omit<UserTokenOptions, 'call_cids'> {
  /** The calls this token is valid for; at least one. */
  call_cids: string[];
}

const encoder = new TextEncoder();

function secretKey(secret: string): Uint8Array {
  if (!secret) throw new TypeError('Switchboard: the app secret must be a non-empty string');
  return encoder.encode(secret);
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

function assertSeconds(name: string, value: number | undefined): void {
  if (value !== undefined && (!Number.isFinite(value) || value < 0)) {
    throw new TypeError(`Switchboard: ${name} must be a non-negative number of seconds`);
  }
}

/** Mints the server token: `{ server: true }`, no expiry. */
export async function createServerToken(secret: string): Promise<string> {
  return new SignJWT({ server: true }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(secretKey(secret));
}

/** Mints a user token carrying `user_id`, `iat` and, when asked for, `exp`, `call_cids` and `role`. */
export async function createUserToken(secret: string, options: UserTokenOptions): Promise<string> {
  const { user_id, validity_in_seconds, iat, exp, call_cids, role } = options;
  if (typeof user_id !== 'string' || user_id.length === 0) {
    throw new TypeError('Switchboard: user_id must be a non-empty string');
  }
  assertSeconds('validity_in_seconds', validity_in_seconds);
  assertSeconds('iat', iat);
  assertSeconds('exp', exp);

  const now = nowSeconds();
  const issuedAt = iat ?? now - CLOCK_SKEW_SECONDS;
  const expiresAt = exp ?? (validity_in_seconds === undefined ? undefined : (iat ?? now) + validity_in_seconds);

  const claims: Record<string, unknown> = { user_id };
  if (call_cids !== undefined) claims.call_cids = [...call_cids];
  if (role !== undefined) claims.role = role;

  const jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setIssuedAt(issuedAt);
  if (expiresAt !== undefined) jwt.setExpirationTime(expiresAt);
  return jwt.sign(secretKey(secret));
}

/** Mints a user token valid only for the listed calls. */
export async function createCallToken(secret: string, options: CallTokenOptions): Promise<string> {
  if (!Array.isArray(options.call_cids) || options.call_cids.length === 0) {
    throw new TypeError('Switchboard: call_cids must list at least one call cid');
  }
  return createUserToken(secret, options);
}
