/**
 * Web Push from a node started the way `npm start` starts one (a child process running the `switchboard start`
 * bin, every module of the server loaded, webhooks included): the ring reaches the local Web Push peer, which
 * verifies the VAPID header and decrypts the payload. A push that cannot be delivered is dropped with a log line
 * that names why.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { startCli, stopChild, tempDataDir } from '../cli/run-cli.js';
import { raw } from '../support/raw-http.js';
import type { TestNode } from '../support/test-node.js';
import { WebPushReceiver } from './peers.js';

describe('Web Push from a started node process', () => {
  const data = tempDataDir();
  const apiKey = `key-${randomBytes(4).toString('hex')}`;
  const apiSecret = randomBytes(24).toString('hex');
  let web: WebPushReceiver;
  let node: Awaited<ReturnType<typeof startCli>> | undefined;
  let t: TestNode;

  before(async () => {
    web = await new WebPushReceiver().start();
    node = await startCli({
      SWITCHBOARD_API_KEY: apiKey,
      SWITCHBOARD_API_SECRET: apiSecret,
      SWITCHBOARD_DATA_DIR: data.dir,
      HOST: '127.0.0.1',
      PORT: '0',
      SWITCHBOARD_MEDIA: 'off',
      LOG_LEVEL: 'info',
      // The peer listens on loopback: allow-listed for this test, as a private push service would be.
      SWITCHBOARD_WEB_PUSH_ALLOW_PRIVATE: '127.0.0.1',
      SWITCHBOARD_PUSH_RETRY_SCHEDULE_MS: '20,20',
    });
    const serverToken = await new SignJWT({ server: true })
      .setProtectedHeader({ alg: 'HS256' })
      .sign(new TextEncoder().encode(apiSecret));
    t = { baseUrl: node.address, apiKey, serverToken } as unknown as TestNode;
  });
  after(async () => {
    if (node) await stopChild(node.child);
    await web.close();
    data.remove();
  });

  const ok = async (method: string, path: string, body: unknown, status = 200) => {
    const res = await raw(t, method, path, { body });
    assert.equal(res.status, status, JSON.stringify(res.body));
  };

  it('delivers a ring to the Web Push peer, encrypted and VAPID-signed', async () => {
    await ok('PATCH', '/api/v2/app', {
      push_providers: [
        {
          type: 'webpush',
          name: 'web',
          webpush_vapid_public_key: web.vapid.publicKey,
          webpush_vapid_private_key: web.vapid.privateKey,
          webpush_subject: 'mailto:ops@example.com',
        },
      ],
    });
    await ok('POST', '/api/v2/users', { users: { ann: { id: 'ann', name: 'Ann' }, ben: { id: 'ben', name: 'Ben' } } });
    await ok(
      'POST',
      '/api/v2/devices',
      { id: web.subscription('/push/ben'), push_provider: 'webpush', user_id: 'ben' },
      201,
    );
    await ok('POST', '/api/v2/video/call/default/spawned-ring', {
      ring: true,
      data: { created_by_id: 'ann', members: [{ user_id: 'ann' }, { user_id: 'ben' }] },
    });
    await web.until('the Web Push', (r) => r.some((x) => x.token === '/push/ben'));
    const push = web.received.find((x) => x.token === '/push/ben');
    assert.equal(push?.problem, undefined);
    assert.equal(push?.body.type, 'call.ring');
    assert.equal(push?.body.call_cid, 'default:spawned-ring');
    assert.equal(push?.answered, 200);
  });

  it('logs a push it drops, with the reason', async () => {
    // `.invalid` never resolves (RFC 6761): every attempt fails, the short schedule runs out, the push is dropped.
    const dead = JSON.parse(web.subscription('/push/x')) as { endpoint: string; keys: unknown };
    dead.endpoint = 'https://push.switchboard.invalid/sub';
    await ok('POST', '/api/v2/devices', { id: JSON.stringify(dead), push_provider: 'webpush', user_id: 'ann' }, 201);
    await ok('POST', '/api/v2/video/call/default/spawned-dead', {
      ring: true,
      data: { created_by_id: 'ben', members: [{ user_id: 'ben' }, { user_id: 'ann' }] },
    });
    const line = await logLine(
      node,
      (entry) => entry.msg === 'push dropped after its last retry' && entry.call_cid === 'default:spawned-dead',
    );
    assert.equal(line.user_id, 'ann');
    assert.equal(line.provider, 'web');
    assert.match(String(line.reason), /ENOTFOUND|EAI_AGAIN/);
  });
});

/** Resolves with the first JSON log line of the node that `match` accepts, as soon as it is printed. */
function logLine(
  node: Awaited<ReturnType<typeof startCli>> | undefined,
  match: (entry: Record<string, unknown>) => boolean,
): Promise<Record<string, unknown>> {
  assert.ok(node);
  const find = () =>
    node
      .stdout()
      .split('\n')
      .filter((text) => text.startsWith('{'))
      .map((text) => JSON.parse(text) as Record<string, unknown>)
      .find(match);
  return new Promise((resolve, reject) => {
    const check = () => {
      const entry = find();
      if (!entry) return;
      node.child.stdout?.off('data', check);
      clearTimeout(timer);
      resolve(entry);
    };
    const timer = setTimeout(() => {
      node.child.stdout?.off('data', check);
      reject(new Error(`no such log line in:\n${node.stdout().slice(-2000)}`));
    }, 30_000);
    node.child.stdout?.on('data', check);
    check();
  });
}
