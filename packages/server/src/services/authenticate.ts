/**
 * Token authentication shared by REST and the realtime handshake (docs/api.md "Authentication"): HS256 JWTs signed with the app
 * secret. A server token (`server: true`) acts as the app; a user token acts as an existing user with that user's
 * role (the token's own `role` claim is ignored); `exp` is enforced when present; `call_cids` scopes the token.
 */
import { ErrorCode } from '@switchboard/protocol';
import { type JWTPayload, errors as joseErrors, jwtVerify } from 'jose';
import { type Actor, SERVER_ACTOR } from '../domain/actor.js';
import { type Clock, systemClock } from '../domain/clock.js';
import { ApiError, authFailed, inputError } from '../domain/errors.js';
import { hasLoneSurrogate } from '../domain/unicode.js';
import type { Store } from '../store/store.js';

export interface TokenClaims extends JWTPayload {
  server?: boolean;
  user_id?: string;
  call_cids?: string[];
}

/** Verified tokens are remembered briefly: HMAC verification is cheap but not free on every request. */
const CACHE_LIMIT = 10_000;

/** How far a token's `iat` may be ahead of the node's clock (clocks of token issuers drift a little). */
export const IAT_SKEW_SECONDS = 60;

export class Authenticator {
  private readonly key: Uint8Array;
  private readonly verified = new Map<string, TokenClaims>();

  constructor(
    private readonly apiKey: string,
    secret: string,
    private readonly store: Store,
    /** The node's clock: `exp` is checked against it, for fresh and remembered tokens alike. */
    private readonly clock: Clock = systemClock,
  ) {
    this.key = new TextEncoder().encode(secret);
  }

  /** Code 2 when the api_key is missing or not ours. */
  checkApiKey(apiKey: string | undefined): void {
    if (apiKey !== this.apiKey) {
      throw new ApiError(ErrorCode.ApiKeyInvalid, apiKey ? `api_key ${apiKey} is not valid` : 'api_key is missing');
    }
  }

  /**
   * The actor for a server token verified before and not expired, without a promise (the hot path of server-side
   * traffic); undefined for anything else, which then goes through actorForToken. User tokens always do: their
   * user's role and deletion are read on every request.
   */
  knownActor(token: string | undefined): Actor | undefined {
    if (!token) return undefined;
    const claims = this.verified.get(stripBearer(token));
    return claims?.server === true && this.unexpired(claims) ? SERVER_ACTOR : undefined;
  }

  async actorForToken(token: string | undefined): Promise<Actor> {
    if (!token) throw authFailed('Authorization header is missing');
    const claims = await this.verify(stripBearer(token));
    if (claims.server === true) return SERVER_ACTOR;
    const userId = claims.user_id;
    if (typeof userId !== 'string' || userId === '') throw authFailed('token has no user_id claim');
    const user = await this.store.read.users.get(userId);
    if (!user || user.deleted_at !== null) throw authFailed(`user ${userId} does not exist`);
    return { kind: 'user', userId, role: user.role, callCids: claims.call_cids };
  }

  /**
   * Checks signature and expiry only, without looking the user up: the realtime handshake creates a missing user
   * from the verified token before acting as it.
   */
  verifyToken(token: string): Promise<TokenClaims> {
    return this.verify(stripBearer(token));
  }

  private unexpired(claims: TokenClaims): boolean {
    return claims.exp === undefined || claims.exp * 1000 > this.clock.now().getTime();
  }

  /**
   * Claims a valid signature does not make sensible: checked before a token is remembered, so a refused token is
   * refused every time. `call_cids` that is not a list of strings would otherwise read as "no scope" (fail open).
   */
  private checkClaims(claims: TokenClaims): void {
    const now = this.clock.now().getTime() / 1000;
    if (claims.iat !== undefined && claims.iat > now + IAT_SKEW_SECONDS) {
      throw authFailed('token iat is in the future: check the clock of the token issuer');
    }
    const cids: unknown = claims.call_cids;
    if (cids !== undefined && !(Array.isArray(cids) && cids.every((c) => typeof c === 'string'))) {
      throw authFailed('token call_cids must be a list of call cids');
    }
    const userId: unknown = claims.user_id;
    if (userId !== undefined && typeof userId !== 'string') throw authFailed('token user_id must be a string');
    if (typeof userId === 'string' && hasLoneSurrogate(userId)) {
      throw inputError('token user_id must not contain an unpaired UTF-16 surrogate', 'user_id');
    }
  }

  private async verify(token: string): Promise<TokenClaims> {
    const cached = this.verified.get(token);
    if (cached && this.unexpired(cached)) return cached;
    let claims: TokenClaims;
    try {
      ({ payload: claims } = await jwtVerify<TokenClaims>(token, this.key, {
        algorithms: ['HS256'],
        currentDate: this.clock.now(),
      }));
    } catch (err) {
      throw tokenError(err);
    }
    this.checkClaims(claims);
    if (this.verified.size >= CACHE_LIMIT) this.verified.clear();
    this.verified.set(token, claims);
    return claims;
  }
}

const BEARER = /^Bearer\s+/i;

function stripBearer(token: string): string {
  return token.replace(BEARER, '');
}

function tokenError(err: unknown): ApiError {
  if (err instanceof joseErrors.JWTExpired) return new ApiError(ErrorCode.TokenExpired, 'token has expired');
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) {
    return new ApiError(ErrorCode.TokenSignatureInvalid, 'token signature is invalid');
  }
  return authFailed(`token is not valid: ${err instanceof Error ? err.message : String(err)}`);
}
