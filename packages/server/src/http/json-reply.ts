/**
 * Response bodies as JSON text: JSON.stringify, except that a frozen object or array directly under the top-level
 * body is serialized once and its text reused.
 *
 * Why: the hot read paths answer from per-node snapshots (services/call-snapshots.ts) whose Call model and member
 * list are the same objects request after request, and turning that ~3 KB into JSON was the largest single cost of
 * a GetOrCreate. A frozen object cannot change, so its text cannot go stale; snapshots are deep-frozen
 * (domain/deep-freeze.ts), which also makes any attempt to mutate a shared one throw instead of corrupting other
 * replies. Only values directly under the body are looked up: bodies are built fresh per request (they carry
 * `duration`), their members are the shared parts.
 */

const memo = new WeakMap<object, string>();

function memoized(value: object): string {
  let text = memo.get(value);
  if (text === undefined) {
    text = JSON.stringify(value);
    memo.set(value, text);
  }
  return text;
}

function valueText(value: unknown): string | undefined {
  if (value !== null && typeof value === 'object' && Object.isFrozen(value)) return memoized(value);
  return JSON.stringify(value);
}

/**
 * Same text as `JSON.stringify(payload)` for plain JSON data (no toJSON, no replacer, no indentation); with
 * `duration`, as `JSON.stringify({ ...payload, duration })` for a payload without a `duration` key of its own.
 */
export function serializeReply(payload: unknown, duration?: string): string {
  if (duration === undefined && (payload === null || typeof payload !== 'object' || Array.isArray(payload))) {
    return valueText(payload) ?? 'null';
  }
  if (duration === undefined && Object.isFrozen(payload)) return memoized(payload as object);
  const parts: string[] = [];
  for (const key of Object.keys(payload as object)) {
    if (key === 'duration' && duration !== undefined) continue;
    const text = valueText((payload as Record<string, unknown>)[key]);
    // JSON.stringify leaves out properties whose value has no JSON form (undefined, functions, symbols).
    if (text !== undefined) parts.push(`${parts.length === 0 ? '{' : ','}${JSON.stringify(key)}:${text}`);
  }
  if (duration !== undefined) parts.push(`${parts.length === 0 ? '{' : ','}"duration":${JSON.stringify(duration)}`);
  if (parts.length === 0) return '{}';
  parts.push('}');
  // join builds one flat string; `+=` would build a rope that Node flattens again when it measures and writes it.
  return parts.join('');
}
