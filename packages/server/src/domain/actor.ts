/**
 * Who is making a request, as established once by authentication (http/auth.ts or the realtime handshake).
 * Services take an Actor and never look at tokens or headers.
 */
export type Actor =
  | { readonly kind: 'server' }
  | {
      readonly kind: 'user';
      readonly userId: string;
      /** The user's global role, read when the token was authenticated. */
      readonly role: string;
      /** When the token lists calls, it is valid only for those (docs/api.md "Authentication"). */
      readonly callCids?: readonly string[] | undefined;
    }
  | { readonly kind: 'anonymous' };

export const SERVER_ACTOR: Actor = { kind: 'server' };
