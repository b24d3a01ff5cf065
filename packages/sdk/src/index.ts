/**
 * @switchboard/sdk — typed client for Switchboard.
 *
 * Layout:
 * - server side (this release): `SwitchboardClient` (app key + secret, server token) → `client.video` →
 *   `client.video.call(type, id)`. Transport is `http-client.ts` (global `fetch`), credentials come from an
 *   `AuthProvider` (`auth.ts`).
 * - client side (also alone as `@switchboard/sdk/client`, without token signing, for browsers):
 *   `SwitchboardVideoClient` (user token) under `src/realtime/`: the realtime connection (auth,
 *   health checks, reconnect with backoff that re-watches calls), `client.on(type, fn)`, and `client.call(type, id)`
 *   → `ClientCall`, which reuses `HttpClient` (user-token auth, browser path family) and `CallHandle` for REST.
 *
 * Naming: `CallHandle` is the SDK object you call methods on; `Call` is the protocol's data model of a call (as in
 * `GetCallResponse['call']`), re-exported unchanged so both packages mean the same thing by it.
 */
export * from './client.js';
export { serverTokenAuth } from './server-auth.js';
export { SwitchboardClient, type SwitchboardClientOptions } from './switchboard-client.js';
export {
  type CallTokenOptions,
  CLOCK_SKEW_SECONDS,
  createCallToken,
  createServerToken,
  createUserToken,
  type UserTokenOptions,
} from './tokens.js';
export { type NamedCallType, VideoClient } from './video-client.js';
export { verifyWebhookSignature } from './webhooks.js';
