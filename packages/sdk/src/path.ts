/**
 * Tagged template for API paths: every interpolated value is one URL path segment and is percent-encoded, so an id
 * can never add a segment or a query string. Empty, `.` and `..` segments are refused (`TypeError`): URL parsing
 * would collapse them (even percent-encoded) and the request would reach a different endpoint.
 *
 * @example
 * ```ts
 * path`/video/call/${type}/${id}/join` // '/video/call/default/a%2Fb/join' for id 'a/b'
 * ```
 */
export function path(strings: TemplateStringsArray, ...segments: Array<string | number>): string {
  let out = strings[0] ?? '';
  segments.forEach((segment, i) => {
    const text = String(segment);
    if (text === '' || text === '.' || text === '..') {
      throw new TypeError(`Switchboard: invalid path segment ${JSON.stringify(text)}`);
    }
    out += encodeURIComponent(text) + (strings[i + 1] ?? '');
  });
  return out;
}
