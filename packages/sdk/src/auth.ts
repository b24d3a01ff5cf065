/**
 * How a request authenticates (docs/api.md "Authentication"). The HTTP client asks an {@link AuthProvider} before every request,
 * so the same client serves the server side (a server token minted once) and, later, the client side (a user token
 * that may be refreshed, or anonymous access).
 */
import { createServerToken } from './tokens.js';

export type RequestAuth = { type: 'jwt'; token: string } | { type: 'anonymous' };

/** Returns the credentials for the next request. Called once per request; cache inside if minting is costly. */
export type AuthProvider = () => Promise<RequestAuth>;

/**
 * Server-token auth: the token is minted on first use and then reused (it has no expiry). A failed mint is not
 * cached, so the next request tries again.
 */
export function serverTokenAuth(secret: string): AuthProvider {
  let pending: Promise<RequestAuth> | undefined;
  return () => {
    pending ??= createServerToken(secret).then(
      (token): RequestAuth => ({ type: 'jwt', token }),
      (err: unknown) => {
        pending = undefined;
        throw err;
      },
    );
    return pending;
  };
}

/** Headers that carry `auth` on the wire: `Authorization` (raw JWT, no `Bearer`) and `stream-auth-type`. */
export function authHeaders(auth: RequestAuth): Record<string, string> {
  return auth.type === 'jwt'
    ? { Authorization: auth.token, 'stream-auth-type': 'jwt' }
    : { 'stream-auth-type': 'anonymous' };
}
