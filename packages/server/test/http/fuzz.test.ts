/**
 * "Never a 500 for bad input" as a property: random JSON bodies, valid bodies with one field replaced by random
 * JSON, and random path segments, sent over raw HTTP to every route, always answer either success or the API
 * error JSON with a 4xx status and the code that status belongs to.
 *
 * Reproduce a failure with the seed fast-check prints: HTTP_FUZZ_SEED=<seed>.
 */
import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import fc from 'fast-check';
import { assertApiError, seedUsers } from '../support/api-assert.js';
import { eachDatabase } from '../support/each-database.js';
import { raw } from '../support/raw-http.js';

const CODE_BY_STATUS: Record<number, number> = { 400: 4, 401: 5, 403: 17, 404: 16, 413: 4, 415: 4 };

interface Route {
  method: string;
  path: (id: string) => string;
  /** A valid body to mutate; undefined for body-less routes. */
  valid?: Record<string, unknown>;
}

const ROUTES: Route[] = [
  {
    method: 'POST',
    path: (id) => `/api/v2/video/call/default/${id}`,
    valid: { data: { created_by_id: 'ann', members: [{ user_id: 'ben', role: 'admin' }], custom: {} } },
  },
  { method: 'PATCH', path: (id) => `/video/call/default/${id}`, valid: { custom: { a: 1 }, settings_override: {} } },
  {
    method: 'POST',
    path: (id) => `/api/v2/video/call/default/${id}/members`,
    valid: { update_members: [{ user_id: 'ben' }], remove_members: ['ann'] },
  },
  { method: 'POST', path: (id) => `/api/v2/video/call/default/${id}/join`, valid: { user_id: 'ann', create: true } },
  { method: 'POST', path: (id) => `/api/v2/video/call/default/${id}/mark_ended`, valid: {} },
  { method: 'POST', path: (id) => `/api/v2/video/call/default/${id}/delete`, valid: { hard: false } },
  { method: 'POST', path: () => '/api/v2/video/calltypes', valid: { name: 'fuzzed', grants: { user: ['read-call'] } } },
  { method: 'PUT', path: () => '/api/v2/video/calltypes/development', valid: { settings: { audio: {} } } },
  { method: 'POST', path: () => '/api/v2/users', valid: { users: { ann: { id: 'ann', name: 'Ann' } } } },
  { method: 'PATCH', path: () => '/api/v2/users', valid: { users: [{ id: 'ben', set: { name: 'B' }, unset: [] }] } },
  { method: 'GET', path: (id) => `/api/v2/video/call/default/${id}` },
];

/** Replaces the value at a random path of `body` (objects and arrays alike) with `value`. */
function replaceAt(body: unknown, path: number[], value: unknown): unknown {
  if (path.length === 0 || body === null || typeof body !== 'object') return value;
  const [step = 0, ...rest] = path;
  if (Array.isArray(body)) {
    if (body.length === 0) return value;
    const i = step % body.length;
    return body.map((v, j) => (j === i ? replaceAt(v, rest, value) : v));
  }
  const keys = Object.keys(body);
  if (keys.length === 0) return value;
  const key = keys[step % keys.length] as string;
  return { ...body, [key]: replaceAt((body as Record<string, unknown>)[key], rest, value) };
}

const segment = fc.oneof(
  fc.constantFrom('a', 'x'.repeat(64)),
  fc.string({ minLength: 1, maxLength: 70 }).map((s) => encodeURIComponent(s)),
);
/** JSON with printable, control (U+0000 included) and any unicode characters in its strings. */
const json = fc
  .constantFrom('grapheme-ascii', 'binary-ascii', 'binary')
  .chain((stringUnit) => fc.jsonValue({ maxDepth: 3, stringUnit }))
  .map((v) => JSON.parse(JSON.stringify(v)) as unknown);
const request = fc.record({
  route: fc.constantFrom(...ROUTES),
  id: segment,
  body: fc.oneof(json, fc.tuple(fc.array(fc.nat(), { maxLength: 4 }), json)),
});

eachDatabase('http fuzzing', (node) => {
  before(async () => {
    await seedUsers(node(), 'ann', 'ben');
  });

  it('random input never gets a 5xx, only success or the API error JSON', async () => {
    const seed = process.env.HTTP_FUZZ_SEED ? Number(process.env.HTTP_FUZZ_SEED) : undefined;
    await fc.assert(
      fc.asyncProperty(request, async ({ route, id, body }) => {
        const sent =
          Array.isArray(body) && body.length === 2 && Array.isArray(body[0]) && route.valid
            ? replaceAt(route.valid, body[0] as number[], body[1])
            : body;
        const res = await raw(node(), route.method, route.path(id), route.method === 'GET' ? {} : { body: sent });
        assert.ok(res.status < 500, `${route.method} ${route.path(id)} ${JSON.stringify(sent)} → ${res.status}`);
        if (res.status >= 400) {
          const code = CODE_BY_STATUS[res.status];
          assert.ok(code !== undefined, `unexpected status ${res.status}: ${JSON.stringify(res.body)}`);
          assertApiError(res, res.status, code);
        }
      }),
      { numRuns: 300, ...(seed !== undefined ? { seed } : {}) },
    );
  });

  it('random QueryUsers payloads never get a 5xx', async () => {
    const seed = process.env.HTTP_FUZZ_SEED ? Number(process.env.HTTP_FUZZ_SEED) : undefined;
    const valid = { filter_conditions: { id: { $in: ['ann'] } }, sort: [{ field: 'id', direction: 1 }], limit: 5 };
    const payload = fc.oneof(
      fc.string({ maxLength: 40 }),
      json.map((v) => JSON.stringify(v)),
      fc
        .tuple(fc.array(fc.nat(), { maxLength: 4 }), json)
        .map(([path, v]) => JSON.stringify(replaceAt(valid, path, v))),
    );
    await fc.assert(
      fc.asyncProperty(payload, async (text) => {
        const res = await raw(node(), 'GET', '/api/v2/users', { query: { payload: text } });
        assert.ok(res.status === 200 || res.status === 400, `${text} → ${res.status} ${JSON.stringify(res.body)}`);
        if (res.status === 400) assertApiError(res, 400, 4, { operation: 'QueryUsers' });
      }),
      { numRuns: 200, ...(seed !== undefined ? { seed } : {}) },
    );
  });
});
