/**
 * Freezes a JSON value and everything in it, and returns it. Shared read models (the per-node call snapshots) are
 * frozen so that a mutation throws instead of leaking into other requests' replies, and so the reply serializer
 * (http/json-reply.ts) may serialize them once.
 */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}
