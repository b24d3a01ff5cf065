/**
 * Bounded exponential backoff with full jitter, for loops that retry after a failure (the database being away):
 * the n-th consecutive failure waits a random time in [cap/2, cap], where cap = min(max, base · 2^(n-1)). The
 * lower half keeps a retry from coming back at once; the random upper half keeps the nodes of a cluster, which all
 * lost the database at the same moment, from retrying in lockstep when it returns.
 */
export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 250, maxMs: 10_000 };

/** The wait before retry number `failures` (1 for the first failure); `random` is in [0, 1). */
export function backoffDelay(
  failures: number,
  policy: BackoffPolicy = DEFAULT_BACKOFF,
  random = Math.random(),
): number {
  const exponent = Math.min(Math.max(0, failures - 1), 30);
  const cap = Math.min(policy.maxMs, policy.baseMs * 2 ** exponent);
  return Math.round(cap / 2 + (cap / 2) * random);
}
