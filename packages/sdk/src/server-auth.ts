/**
 * Server-side auth: signs the server token with the app secret (jose). Kept out of `auth.ts` so the client entry
 * (`@switchboard/sdk/client`), which never holds a secret, does not bundle token signing.
 */
import type { AuthProvider, RequestAuth } from './auth.js';
import { createServerToken } from './tokens.js';

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
