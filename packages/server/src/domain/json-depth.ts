/**
 * How deep JSON nests, and a bound on it for values read back from storage. Everything that later walks a value
 * (JSON.stringify of replies and events, freezing snapshots) recurses once per level, so a value nested thousands
 * deep throws RangeError wherever it travels. Input is refused past the configured depth (http/json-input.ts);
 * values stored before that limit existed, or written around the API, are cut at READ_DEPTH_CAP when read, so no
 * stored value can make a read fail.
 */

/** Deeper than any depth limit a node may be configured with (app/config.ts), far below what recursion survives. */
export const READ_DEPTH_CAP = 256;

/**
 * Whether the JSON text nests objects and arrays deeper than `limit`, counting brackets outside strings: one pass
 * over the text, no parsing, no recursion.
 */
export function jsonTextDepthExceeds(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > limit) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

/** A copy of `value` whose objects and arrays nested deeper than `limit` are replaced by null. */
export function cutDepth(value: unknown, limit: number, depth = 0): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (depth >= limit) return null;
  if (Array.isArray(value)) return value.map((v) => cutDepth(v, limit, depth + 1));
  // fromEntries defines own properties, so even a `__proto__` key stays plain data.
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, cutDepth(v, limit, depth + 1)]));
}

/** A stored JSON column, parsed, with nesting past READ_DEPTH_CAP cut off. */
export function parseStoredJson<T>(text: string | null | undefined, fallback: T): T {
  if (text === null || text === undefined || text === '') return fallback;
  const value: unknown = JSON.parse(text);
  return (jsonTextDepthExceeds(text, READ_DEPTH_CAP) ? cutDepth(value, READ_DEPTH_CAP) : value) as T;
}
