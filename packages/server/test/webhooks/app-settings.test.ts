/**
 * App settings and the delivery endpoints refuse what they must (issue 10): non-http(s) URLs and unknown hook
 * types are code-4 errors naming the field; user and anonymous callers get 403 (code 17); unknown deliveries 404.
 * Hooks keep their ids and order across updates, and every operation is in the OpenAPI document.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { assertApiError, seedUsers } from '../support/api-assert.js';
import { eachDatabase } from '../support/each-database.js';
import { raw } from '../support/raw-http.js';
import { LOCAL_RECEIVERS } from '../support/test-node.js';

eachDatabase(
  'app settings and delivery endpoints',
  (node) => {
    const patch = (body: unknown) => raw(node(), 'PATCH', '/api/v2/app', { body });

    it('starts with no webhook_url and no hooks', async () => {
      const res = await raw(node(), 'GET', '/api/v2/app');
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.deepEqual(res.body.app, { webhook_url: '', event_hooks: [], push_providers: [] });
      assert.equal(typeof res.body.duration, 'string');
    });

    it('accepts only absolute http(s) URLs, naming the field', async () => {
      for (const url of [
        'ftp://example.com/hook',
        'not a url',
        'javascript:alert(1)',
        '/relative',
        'file:///etc/passwd',
      ]) {
        assertApiError(await patch({ webhook_url: url }), 400, 4, { field: 'webhook_url' });
        assertApiError(
          await patch({ event_hooks: [{ hook_type: 'webhook', enabled: true, webhook_url: url }] }),
          400,
          4,
          { field: 'event_hooks.0.webhook_url' },
        );
      }
      assertApiError(await patch({ webhook_url: 'https://user:pw@example.com/' }), 400, 4, { field: 'webhook_url' });
      const unchanged = await raw(node(), 'GET', '/api/v2/app');
      assert.deepEqual(
        unchanged.body.app,
        { webhook_url: '', event_hooks: [], push_providers: [] },
        'a refused update changes nothing',
      );
    });

    it('refuses unknown hook types, bad timeouts, duplicate and reserved ids', async () => {
      const hook = { hook_type: 'webhook', webhook_url: 'https://example.com/a' };
      assertApiError(await patch({ event_hooks: [{ ...hook, hook_type: 'sqs' }] }), 400, 4, {
        field: 'event_hooks.0.hook_type',
        mentions: 'sqs',
      });
      assertApiError(await patch({ event_hooks: [{ ...hook, timeout_ms: 5 }] }), 400, 4, {
        field: 'event_hooks.0.timeout_ms',
      });
      assertApiError(await patch({ event_hooks: [hook, { ...hook, id: 'x' }, { ...hook, id: 'x' }] }), 400, 4, {
        field: 'event_hooks.2.id',
      });
      assertApiError(await patch({ event_hooks: [{ ...hook, id: 'webhook_url' }] }), 400, 4, {
        field: 'event_hooks.0.id',
      });
      const missingUrl = await patch({ event_hooks: [{ hook_type: 'webhook' }] });
      assertApiError(missingUrl, 400, 4);
      assertApiError(await patch({ event_hooks: [{ ...hook, enabled: 'yes' }] }), 400, 4);
    });

    it('keeps hook ids, order and created_at across updates; empty webhook_url clears it', async () => {
      const first = await patch({
        webhook_url: 'https://example.com/all',
        event_hooks: [
          { id: 'billing', hook_type: 'webhook', enabled: true, event_types: ['call.ended'], webhook_url: 'http://b/' },
          { hook_type: 'webhook', enabled: false, event_types: [], webhook_url: 'http://c/', timeout_ms: 2000 },
        ],
      });
      assert.equal(first.status, 200, JSON.stringify(first.body));
      const app = first.body.app as { webhook_url: string; event_hooks: Record<string, unknown>[] };
      assert.equal(app.webhook_url, 'https://example.com/all');
      assert.deepEqual(
        app.event_hooks.map((h) => [h.id === 'billing', h.enabled, h.event_types, h.timeout_ms]),
        [
          [true, true, ['call.ended'], 10_000],
          [false, false, [], 2000],
        ],
      );
      const generated = app.event_hooks[1]?.id;
      const second = await patch({
        webhook_url: '',
        event_hooks: [
          { id: generated, hook_type: 'webhook', enabled: true, webhook_url: 'http://c/' },
          { id: 'billing', hook_type: 'webhook', enabled: true, webhook_url: 'http://b/' },
        ],
      });
      const again = second.body.app as typeof app;
      assert.equal(again.webhook_url, '');
      assert.deepEqual(
        again.event_hooks.map((h) => h.id),
        [generated, 'billing'],
      );
      assert.equal(again.event_hooks[0]?.created_at, app.event_hooks[1]?.created_at, 'created_at kept');
      await patch({ event_hooks: [] });
    });

    it('is for server tokens only', async () => {
      await seedUsers(node(), 'someone');
      const user = await node().userToken('someone');
      const anonymous = { token: null, headers: { 'stream-auth-type': 'anonymous' } };
      for (const [method, path, body] of [
        ['GET', '/api/v2/app', undefined],
        ['PATCH', '/api/v2/app', { webhook_url: 'https://example.com/' }],
        ['GET', '/api/v2/webhooks/deliveries', undefined],
        ['POST', '/api/v2/webhooks/deliveries/1/retry', {}],
        ['POST', '/api/v2/webhooks/replay', { hook_id: 'x', from: '2020-01-01T00:00:00Z', to: '2020-01-02T00:00:00Z' }],
      ] as const) {
        const withBody = body === undefined ? {} : { body };
        assertApiError(await raw(node(), method, path, { token: user, ...withBody }), 403, 17);
        assertApiError(await raw(node(), method, path, { ...anonymous, ...withBody }), 403, 17);
      }
      const app = await raw(node(), 'GET', '/api/v2/app');
      assert.equal(app.body.app && (app.body.app as { webhook_url: string }).webhook_url, '', 'nothing was changed');
    });

    it('answers unknown deliveries, bad filters and bad replays with 4xx', async () => {
      assertApiError(await raw(node(), 'POST', '/api/v2/webhooks/deliveries/999999/retry', { body: {} }), 404, 16);
      assertApiError(await raw(node(), 'POST', '/api/v2/webhooks/deliveries/abc/retry', { body: {} }), 404, 16);
      assertApiError(await raw(node(), 'GET', '/api/v2/webhooks/deliveries', { query: { status: 'lost' } }), 400, 4);
      assertApiError(await raw(node(), 'GET', '/api/v2/webhooks/deliveries', { query: { limit: '0' } }), 400, 4);
      const range = { from: '2020-01-01T00:00:00Z', to: '2020-01-02T00:00:00Z' };
      assertApiError(
        await raw(node(), 'POST', '/api/v2/webhooks/replay', { body: { hook_id: 'nope', ...range } }),
        400,
        4,
        {
          field: 'hook_id',
        },
      );
      await patch({
        event_hooks: [{ id: 'h', hook_type: 'webhook', enabled: true, webhook_url: 'http://127.0.0.1:9/' }],
      });
      const reversed = { hook_id: 'h', from: range.to, to: range.from };
      assertApiError(await raw(node(), 'POST', '/api/v2/webhooks/replay', { body: reversed }), 400, 4, {
        field: 'from',
      });
      assertApiError(
        await raw(node(), 'POST', '/api/v2/webhooks/replay', {
          body: { hook_id: 'h', from: 'yesterday', to: range.to },
        }),
        400,
        4,
      );
      await patch({ event_hooks: [] });
    });

    it('documents every operation in the OpenAPI document', async () => {
      const doc = (await (await fetch(`${node().baseUrl}/openapi.json`)).json()) as {
        paths: Record<string, Record<string, { operationId?: string }>>;
      };
      const operations = Object.values(doc.paths).flatMap((p) => Object.values(p).map((o) => o.operationId));
      for (const id of [
        'GetApp',
        'UpdateApp',
        'ListWebhookDeliveries',
        'RetryWebhookDelivery',
        'ReplayWebhookEvents',
      ]) {
        assert.ok(operations.includes(id), `${id} in the OpenAPI document`);
      }
    });
  },
  { config: LOCAL_RECEIVERS },
);
