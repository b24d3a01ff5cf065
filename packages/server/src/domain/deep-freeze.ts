/**
 * Freezes a JSON value and everything in it, and returns it. Shared read models (the per-node call snapshots) are
 * frozen so that a mutation throws instead of leaking into other requests' replies, and so the reply serializer
 * (http/json-reply.ts) may serialize them once. Walks with its own stack rather than recursion, so the depth of
 * a value cannot overflow the call stack here.
 */
export function deepFreeze<T>(value: T): T {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const next = pending.pop();
    if (next !== null && typeof next === 'object' && !Object.isFrozen(next)) {
      Object.freeze(next);
      for (const inner of Object.values(next)) pending.push(inner);
    }
  }
  return value;
}
