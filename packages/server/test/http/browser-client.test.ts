/**
 * What the node serves for browsers without a build step: the browser client bundle, the demo page, and demo tokens
 * (minted only when SWITCHBOARD_DEMO_TOKENS allows; a node with configured credentials refuses by default).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ErrorCode } from '@switchboard/protocol';
import { testDialects } from '../support/databases.js';
import { startTestNode, type TestNode } from '../support/test-node.js';

const dialects = await testDialects();

const mint = (t: TestNode, body: unknown) =>
  fetch(new URL('/demo/token', t.baseUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

for (const dialect of dialects) {
  describe(`browser client routes [${dialect}]`, () => {
    let open: TestNode;
    let closed: TestNode;
    before(async () => {
      open = await startTestNode(dialect, { config: { demoTokens: 'on' } });
      closed = await startTestNode(dialect); // configured credentials, `auto`: no demo tokens
    });
    after(async () => {
      await Promise.all([open?.stop(), closed?.stop()]);
    });

    it('serves the browser client as one ES module with no schemas and no token signing', async () => {
      const res = await fetch(new URL('/client/switchboard-client.js', open.baseUrl));
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/javascript/);
      const js = await res.text();
      assert.match(js, /export\{[^}]*SwitchboardMediaClient/, 'exports the client');
      assert.doesNotMatch(js, /^\s*(import|require)\b|\bimport\s*\(/m, 'self-contained: no imports left');
      assert.doesNotMatch(js, /SignJWT|Type\.Object|typebox/i);
      const again = await fetch(new URL('/client/switchboard-client.js', open.baseUrl));
      assert.equal(await again.text(), js, 'built once, then served as is');
    });

    it('serves the demo page, which loads the client from the node', async () => {
      const res = await fetch(new URL('/demo', open.baseUrl));
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
      assert.match(await res.text(), /from '\/client\/switchboard-client\.js'/);
    });

    it('mints a working one-hour user token when demo tokens are on', async () => {
      const res = await mint(open, { user_id: 'demo-alice' });
      assert.equal(res.status, 200);
      const body = (await res.json()) as { token: string; api_key: string; user_id: string; expires_at: string };
      assert.equal(body.api_key, open.apiKey);
      assert.equal(body.user_id, 'demo-alice');
      const ttl = Date.parse(body.expires_at) - Date.now();
      assert.ok(ttl > 3_500_000 && ttl <= 3_600_000, `expires in an hour, got ${ttl} ms`);
      // The demo page's realtime connect creates the user (user_details); here the app does.
      const upsert = await fetch(new URL(`/api/v2/users?api_key=${open.apiKey}`, open.baseUrl), {
        method: 'POST',
        headers: { authorization: open.serverToken, 'stream-auth-type': 'jwt', 'content-type': 'application/json' },
        body: JSON.stringify({ users: { 'demo-alice': { id: 'demo-alice' } } }),
      });
      assert.equal(upsert.status, 200);
      const call = await fetch(new URL(`/video/call/default/demo-${dialect}?api_key=${body.api_key}`, open.baseUrl), {
        method: 'POST',
        headers: { authorization: body.token, 'stream-auth-type': 'jwt', 'content-type': 'application/json' },
        body: '{}',
      });
      assert.equal(call.status, 200, 'the token acts as that user');
      const created = (await call.json()) as { created: boolean; call: { created_by: { id: string } } };
      assert.equal(created.created, true);
      assert.equal(created.call.created_by.id, 'demo-alice');
    });

    it('refuses bad user ids, and refuses every mint on a node with configured credentials', async () => {
      const bad = await mint(open, { user_id: ' ' });
      assert.equal(bad.status, 400);
      assert.equal(((await bad.json()) as { code: number }).code, ErrorCode.InputError);
      const missing = await mint(open, {});
      assert.equal(missing.status, 400);
      const refused = await mint(closed, { user_id: 'demo-alice' });
      assert.equal(refused.status, 403);
      const error = (await refused.json()) as { code: number; message: string };
      assert.equal(error.code, ErrorCode.NotAllowed);
      assert.match(error.message, /SWITCHBOARD_DEMO_TOKENS/);
    });
  });
}
