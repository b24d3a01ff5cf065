/**
 * `SWITCHBOARD_MEDIA=off`: the coordinator runs alone. JoinCall hands out the realtime endpoint and a call-scoped
 * user token as before media existed, and nothing answers on the SFU's path.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { seedUsers } from '../support/api-assert.js';
import { raw } from '../support/raw-http.js';
import { startTestNode, type TestNode } from '../support/test-node.js';

describe('media off', () => {
  let node: TestNode;
  before(async () => {
    node = await startTestNode('sqlite', { config: { media: 'off' } });
  });
  after(async () => {
    await node.stop();
  });

  it('JoinCall points at the realtime endpoint and /sfu/ws is not served', async () => {
    await seedUsers(node, 'ann');
    const res = await raw(node, 'POST', '/api/v2/video/call/default/off-1/join', {
      token: await node.userToken('ann'),
      body: { create: true },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    // biome-ignore lint/suspicious/noExplicitAny: raw JSON body
    const credentials = (res.body as any).credentials;
    assert.match(credentials.server.ws_endpoint, /\/video\/connect$/);
    assert.equal(node.node.media, undefined);
    const ws = new WebSocket(`${node.baseUrl.replace(/^http/, 'ws')}/sfu/ws`);
    const status = await new Promise<number | undefined>((resolve) => {
      ws.once('unexpected-response', (_req, response) => resolve(response.statusCode));
      ws.once('open', () => resolve(101));
      ws.once('error', () => resolve(undefined));
    });
    assert.equal(status, 404);
  });
});
