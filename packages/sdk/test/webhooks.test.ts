import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { SwitchboardClient } from '../src/index.js';
import { type FakeServer, json, startFakeServer } from './fake-server.js';

const SECRET = 'webhook-test-secret';
const client = new SwitchboardClient('app-key', SECRET);
const body = '{"type":"call.ended","id":"e1","call_cid":"default:a","created_at":"2026-01-01T00:00:00.000Z"}';
const sign = (text: string, secret = SECRET) => createHmac('sha256', secret).update(text).digest('hex');

describe('verifyWebhook', () => {
  it('accepts the signature of the exact raw body, as string or bytes, in either hex case', async () => {
    assert.equal(await client.verifyWebhook(body, sign(body)), true);
    assert.equal(await client.verifyWebhook(new TextEncoder().encode(body), sign(body)), true);
    assert.equal(await client.verifyWebhook(body, sign(body).toUpperCase()), true);
  });

  it('refuses another body, another secret, and malformed or missing signatures', async () => {
    assert.equal(await client.verifyWebhook(`${body} `, sign(body)), false);
    assert.equal(await client.verifyWebhook(JSON.stringify(JSON.parse(body), null, 1), sign(body)), false);
    assert.equal(await client.verifyWebhook(body, sign(body, 'other-secret')), false);
    for (const bad of [undefined, null, '', 'zz', sign(body).slice(0, 62), `${sign(body)}00`]) {
      assert.equal(await client.verifyWebhook(body, bad), false, String(bad));
    }
  });
});

describe('app settings and delivery calls', () => {
  let fake: FakeServer;
  let api: SwitchboardClient;
  before(async () => {
    fake = await startFakeServer();
    api = new SwitchboardClient('app-key', SECRET, { baseUrl: fake.baseUrl });
    fake.reply = json(200, { duration: '0.01ms' });
  });
  after(() => fake.close());

  it('reach the documented paths with their bodies', async () => {
    await api.getApp();
    assert.equal(fake.last().method, 'GET');
    assert.equal(fake.last().pathname, '/api/v2/app');
    await api.updateApp({ webhook_url: 'https://example.com/hook' });
    assert.equal(fake.last().method, 'PATCH');
    assert.deepEqual(fake.last().body, { webhook_url: 'https://example.com/hook' });
    await api.listWebhookDeliveries({ status: 'dead_letter', hook_id: 'h' });
    assert.equal(fake.last().pathname, '/api/v2/webhooks/deliveries');
    assert.equal(fake.last().query.get('status'), 'dead_letter');
    await api.retryWebhookDelivery('42');
    assert.equal(fake.last().pathname, '/api/v2/webhooks/deliveries/42/retry');
    await api.replayWebhookEvents({ hook_id: 'h', from: '2026-01-01T00:00:00Z', to: '2026-01-02T00:00:00Z' });
    assert.equal(fake.last().pathname, '/api/v2/webhooks/replay');
    assert.equal((fake.last().body as { hook_id: string }).hook_id, 'h');
    await api.listClusterNodes();
    assert.equal(fake.last().method, 'GET');
    assert.equal(fake.last().pathname, '/api/v2/cluster/nodes');
  });
});
