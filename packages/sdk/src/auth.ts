/**
 * How a request authenticates (docs/api.md "Authentication"). The HTTP client asks an {@link AuthProvider} before every request,
 * so the same client serves the server side (a server token minted once) and the client side (a user token that may
 * be refreshed, or anonymous access). Server-token minting lives in `server-auth.ts`, away from the client entry.
 */
export type RequestAuth = { type: 'jwt'; token: string } | { type: 'anonymous' };

/** Returns the credentials for the next request. Called once per request; cache inside if minting is costly. */
export type AuthProvider = () => Promise<RequestAuth>;

/** Headers that carry `auth` on the wire: `Authorization` (raw JWT, no `Bearer`) and `stream-auth-type`. */
export function authHeaders(auth: RequestAuth): Record<string, string> {
  return auth.type === 'jwt'
    ? { Authorization: auth.token, 'stream-auth-type': 'jwt' }
    : { 'stream-auth-type': 'anonymous' };
}
