/**
 * The OpenAPI document is complete and the server keeps to it. Every test node records its responses and checks
 * them against the document it serves when it stops (support/openapi-contract.ts), so the whole suite's traffic is
 * checked; these tests prove the checker catches what it must, and that the document is complete.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { ROLE_PATTERN } from '@switchboard/protocol';
import { eachDatabase } from '../support/each-database.js';
import { ContractChecker, type Recorded } from '../support/openapi-contract.js';
import { raw } from '../support/raw-http.js';

// biome-ignore lint/suspicious/noExplicitAny: the document is probed field by field
type Json = any;

const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

eachDatabase('OpenAPI contract', (node) => {
  const document = async (): Promise<Json> => (await fetch(new URL('/openapi.json', node().baseUrl))).json();
  const callPath = () => `/api/v2/video/call/default/contract-${node().dialect}`;

  it('records every response the node sends, and the traffic so far keeps to the document', async () => {
    const call = callPath();
    await raw(node(), 'POST', '/api/v2/users', { body: { users: { ann: { id: 'ann' } } } });
    const before = node().contract.count;
    assert.equal((await raw(node(), 'POST', call, { body: { data: { created_by_id: 'ann' } } })).status, 200);
    assert.equal((await raw(node(), 'GET', '/api/v2/video/no/such/route')).status, 404);
    assert.equal((await raw(node(), 'POST', call, { body: { members_limit: 'x' } })).status, 400);
    assert.equal((await raw(node(), 'GET', call, { apiKey: 'wrong' })).status, 401);
    assert.equal(node().contract.count, before + 4);
    assert.deepEqual(node().contract.violations(), []);
  });

  it('catches a missing field, a wrong type, an extra property, an undocumented status or content type', async () => {
    const call = callPath();
    const checker = new ContractChecker(await document());
    const good: Json = (await raw(node(), 'POST', call, { body: { data: { created_by_id: 'ann' } } })).body;
    delete good.created;
    const response = (status: number, body: unknown, contentType = 'application/json; charset=utf-8'): Recorded => ({
      method: 'GET',
      route: '/api/v2/video/call/:type/:id',
      url: call,
      status,
      contentType,
      body: JSON.stringify(body),
    });
    assert.equal(checker.check(response(200, good)), undefined);
    const { call: _call, ...noCall } = good;
    assert.match(checker.check(response(200, noCall)) ?? '', /must have required property 'call'/);
    assert.match(checker.check(response(200, { ...good, own_capabilities: 'all' })) ?? '', /must be array/);
    assert.match(checker.check(response(200, { ...good, surprise: 1 })) ?? '', /additional properties.*surprise/);
    const nested = { ...good, call: { ...good.call, created_by: { ...good.call.created_by, extra: true } } };
    assert.match(checker.check(response(200, nested)) ?? '', /\/call\/created_by must NOT have additional/);
    assert.match(checker.check(response(418, good)) ?? '', /status 418 is not documented for GetCall/);
    assert.match(checker.check(response(200, good, 'text/html')) ?? '', /content type "text\/html"/);
    const error = (await raw(node(), 'GET', '/api/v2/video/call/default/none-such')).body;
    assert.equal(checker.check(response(404, error)), undefined);
    assert.match(checker.check(response(404, { ...error, code: 'sixteen' })) ?? '', /\/code must be integer/);
  });

  it('documents a success body and every error status with APIError for each operation', async () => {
    const doc = await document();
    let operations = 0;
    for (const [path, item] of Object.entries(doc.paths as Record<string, Json>)) {
      for (const method of METHODS.filter((m) => item[m])) {
        const op = item[method];
        operations += 1;
        const where = `${method.toUpperCase()} ${path}`;
        assert.ok(op.summary && op.description, `${where} has a summary and a description`);
        const statuses = Object.keys(op.responses);
        const success = statuses.filter((s) => s.startsWith('2'));
        assert.equal(success.length, 1, `${where}: one success status`);
        const media = Object.values(op.responses[success[0] as string].content ?? {}) as Json[];
        assert.ok(media[0]?.schema, `${where}: the success body has a schema`);
        if (op.security?.length === 0) continue;
        for (const status of ['400', '401', '403', '429', '500']) {
          const schema = op.responses[status]?.content?.['application/json']?.schema;
          assert.equal(schema?.$ref, '#/components/schemas/APIError', `${where} ${status}`);
        }
        if (op.requestBody) assert.equal(op.requestBody.required, false, `${where}: a missing body means {}`);
      }
    }
    // 27 call operations under both families, 4 user operations, 5 app settings and webhook operations, 3 device
    // operations under both families and the test push, the cluster's nodes, health, readiness, metrics and the
    // document itself, and the browser client, the demo page and demo tokens, and the landing page and the guides.
    assert.equal(operations, 27 * 2 + 4 + 5 + 3 * 2 + 1 + 1 + 4 + 3 + 2);
    assert.deepEqual(
      Object.keys(doc.paths['/api/v2/video/calltypes'].post.responses).filter((s) => s < '300'),
      ['201'],
    );
  });

  it('expresses JWT, anonymous and api_key auth, a server, the grant-key pattern and the WebSocket', async () => {
    const doc = await document();
    assert.deepEqual(doc.security, [
      { api_key: [], JWT: [], stream_auth_type: [] },
      { api_key: [], JWT: [] },
      { api_key: [], stream_auth_type: [] },
    ]);
    assert.equal(doc.components.securitySchemes.stream_auth_type.name, 'stream-auth-type');
    assert.ok(doc.servers.length > 0);
    const grants =
      doc.paths['/api/v2/video/calltypes'].post.requestBody.content['application/json'].schema.properties.grants;
    assert.equal(grants.propertyNames.pattern, ROLE_PATTERN);
    assert.ok(doc['x-websocket'].paths.includes('/video/connect'));
    assert.ok(doc['x-websocket'].event_types.includes('call.session_participant_joined'));
    assert.ok(doc['x-websocket'].client_messages['health.check']);
  });

  it('CreateCallType answers 201 with duration, like every other answer', async () => {
    const res = await raw(node(), 'POST', '/api/v2/video/calltypes', {
      body: { name: `contract_${node().dialect}`, grants: { user: ['read-call'] } },
    });
    assert.equal(res.status, 201);
    assert.match(String(res.body.duration), /ms$/);
  });
});
