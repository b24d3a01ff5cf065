/**
 * Text that has no UTF-8 form. A lone UTF-16 surrogate (`\ud800` without its pair) survives JSON.parse but not
 * the wire or PostgreSQL, which turn it into U+FFFD: two different ids (`a\ud800`, `a\udbff`) would become the
 * same one. Every string a client sends is checked with this (http/json-input.ts, token claims).
 */

/** An unpaired surrogate: a high one not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function hasLoneSurrogate(text: string): boolean {
  return LONE_SURROGATE.test(text);
}

/** At most `max` UTF-16 units, never ending in the first half of a surrogate pair (a lone surrogate is not text). */
export function cutOnCodePoint(text: string, max: number): string {
  if (text.length <= max) return text;
  const last = text.charCodeAt(max - 1);
  return text.slice(0, last >= 0xd800 && last <= 0xdbff ? max - 1 : max);
}
