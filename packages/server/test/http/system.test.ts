/**
 * Unauthenticated operational routes over raw HTTP: `GET /healthz` and the OpenAPI document, which lists every
 * operation of the API once per path family with the same schemas that validate requests.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { eachDatabase } from '../support/each-database.js';

// biome-ignore lint/suspicious/noExplicitAny: raw JSON bodies are probed field by field
type Json = any;

/** The operations of docs/api.md that the server implements (devices come with push). */
const OPERATIONS = [
  'GetOrCreateCall GetCall UpdateCall UpdateCallMembers EndCall DeleteCall JoinCall LeaveCall ListCallTypes',
  'GetCallType CreateCallType UpdateCallType DeleteCallType UpsertUsers UpdateUsersPartial QueryUsers',
  'DeleteUsers QueryCalls QueryCallMembers Ring AcceptCall RejectCall SendCallEvent VideoPin VideoUnpin',
  'BlockUser UnblockUser GoLive StopLive',
].flatMap((line) => line.split(' '));
const OPENAPI_ROOT = ['openapi', 'info', 'servers', 'paths', 'components', 'security', 'tags', 'externalDocs'];

eachDatabase('http system routes', (node) => {
  const get = async (path: string) => {
    const res = await fetch(new URL(path, node().baseUrl));
    return { status: res.status, type: res.headers.get('content-type') ?? '', body: (await res.json()) as Json };
  };

  it('GET /healthz answers without api_key or token', async () => {
    const res = await get('/healthz');
    assert.equal(res.status, 200);
    assert.equal(res.body.status, 'ok');
  });

  it('GET /readyz answers 200 with its checks while the database answers (no Redis on a single node)', async () => {
    const res = await get('/readyz');
    assert.equal(res.status, 200);
    assert.equal(res.body.status, 'ready');
    assert.equal(res.body.database, true);
    assert.equal(res.body.redis, null);
    assert.equal(res.body.draining, false);
  });

  it('GET /openapi.json needs no auth and is a valid OpenAPI 3 document', async () => {
    const res = await get('/openapi.json');
    assert.equal(res.status, 200);
    assert.match(res.type, /^application\/json/);
    assert.match(res.body.openapi, /^3\./);
    for (const key of Object.keys(res.body)) {
      assert.ok(OPENAPI_ROOT.includes(key) || key.startsWith('x-'), `unexpected root field ${key}`);
    }
    assert.equal(res.body.components.securitySchemes.api_key.in, 'query');
  });

  it('lists each operation once per path family, the /video family tagged client-side', async () => {
    const { paths } = (await get('/openapi.json')).body;
    const seen = new Map<string, string>();
    for (const [path, methods] of Object.entries(paths as Record<string, Json>)) {
      assert.match(
        path,
        /^\/(api\/v2\/|video\/|healthz$|readyz$|metrics$|openapi\.json$|client\/|demo|docs\/|$)/,
        path,
      );
      for (const [method, op] of Object.entries(methods as Record<string, Json>)) {
        if (path.startsWith('/video/')) {
          assert.deepEqual(op.tags, ['client-side'], `${method} ${path}`);
          assert.match(op.operationId, /_client$/);
        }
        assert.equal(typeof op.operationId, 'string', `${method} ${path}`);
        assert.ok(!seen.has(op.operationId), `${op.operationId} listed twice`);
        seen.set(op.operationId, `${method.toUpperCase()} ${path}`);
      }
    }
    for (const operation of OPERATIONS) assert.ok(seen.has(operation), `${operation} documented`);
    assert.equal(seen.get('GetOrCreateCall'), 'POST /api/v2/video/call/{type}/{id}');
    assert.equal(seen.get('UpdateCallType'), 'PUT /api/v2/video/calltypes/{name}');
    assert.equal(seen.get('QueryUsers'), 'GET /api/v2/users');
    assert.equal(seen.get('GetOrCreateCall_client'), 'POST /video/call/{type}/{id}');
    assert.equal(seen.get('Health'), 'GET /healthz');
    assert.equal(seen.get('Readiness'), 'GET /readyz');
  });

  it('names no fixed host: the paths answer wherever the document was served from', async () => {
    const { servers } = (await get('/openapi.json')).body;
    assert.deepEqual(
      servers.map((s: Json) => s.url),
      ['/'],
    );
  });

  it('GET / is a landing page whose links to the demo, the OpenAPI document and the guides all answer', async () => {
    const res = await fetch(new URL('/', node().baseUrl));
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
    const links = [...(await res.text()).matchAll(/href="([^"]+)"/g)].map((m) => m[1] ?? '');
    for (const wanted of ['/demo', '/openapi.json', '/docs/README.md']) assert.ok(links.includes(wanted), wanted);
    for (const link of links) {
      const target = await fetch(new URL(link, node().baseUrl));
      assert.equal(target.status, 200, link);
      await target.arrayBuffer();
    }
    const guide = await fetch(new URL('/docs/README.md', node().baseUrl));
    assert.match(guide.headers.get('content-type') ?? '', /^text\/markdown/);
    assert.match(await guide.text(), /^# /);
  });

  it('GET /docs/ serves only the guides: other files and escapes are the API 404', async () => {
    for (const path of ['/docs/nope.md', '/docs/..%2Fpackage.json', '/docs/%2E%2E%2FREADME.md', '/docs/api.md.bak']) {
      const res = await get(path);
      assert.equal(res.status, 404, path);
      assert.equal(res.body.code, 16, path);
    }
  });

  it('documents the request schemas that validate requests', async () => {
    const { paths } = (await get('/openapi.json')).body;
    const getOrCreate = paths['/api/v2/video/call/{type}/{id}'].post;
    const body = getOrCreate.requestBody.content['application/json'].schema;
    assert.equal(body.properties.members_limit.maximum, 100);
    const audio = body.properties.data.properties.settings_override.properties.audio.properties;
    assert.deepEqual([...audio.default_device.enum].sort(), ['earpiece', 'speaker']);
    const id = getOrCreate.parameters.find((p: Json) => p.name === 'id' && p.in === 'path');
    assert.equal(id.schema.maxLength, 64);
  });
});
