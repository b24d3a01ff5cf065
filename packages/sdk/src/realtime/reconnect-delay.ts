/**
 * How long the SDK waits before its next reconnect attempt.
 *
 * Normally the delay doubles per failed attempt (with jitter) up to `maxMs`. After the node closed the connection
 * because it drains (4010), the other nodes behind the same URL take over within moments, but the attempts in
 * between can fail (the draining node still answers 503 or refuses, the balancer has not taken it out of rotation
 * yet). Doubling up to `maxMs` (10 s by default) there left a client offline for many seconds after a healthy node
 * was ready, so for a while after a drain the delay stays short.
 */

/** After a drain, retries stay at most this far apart ... */
export const DRAIN_RETRY_CAP_MS = 1000;
/** ... for this long; then (the whole cluster may be down) the usual doubling resumes. */
export const DRAIN_FAST_RETRY_WINDOW_MS = 30_000;

export interface ReconnectDelayInput {
  /** Failed attempts since the last connection (0 for the first retry). */
  attempt: number;
  initialMs: number;
  maxMs: number;
  /** Retry at once (an expired token was just refreshed, or a dead socket was dropped). */
  now?: boolean;
  /** Milliseconds since the node closed with 4010; undefined when no drain is being recovered from. */
  sinceDrainMs?: number | undefined;
  /** A number in [0, 1): jitter. */
  random: number;
}

export function reconnectDelayMs(input: ReconnectDelayInput): number {
  const { attempt, initialMs, maxMs, random } = input;
  if (input.now) return 0;
  const draining = input.sinceDrainMs !== undefined && input.sinceDrainMs < DRAIN_FAST_RETRY_WINDOW_MS;
  const cap = draining ? Math.min(maxMs, Math.max(initialMs, DRAIN_RETRY_CAP_MS)) : maxMs;
  const base = Math.min(cap, initialMs * 2 ** attempt);
  // The first retry after a drain is spread over the whole initial delay, so a node's clients do not all land
  // on the others in the same instant; every other retry waits between half and all of its base.
  if (draining && attempt === 0) return base * random;
  return base * (0.5 + random / 2);
}
