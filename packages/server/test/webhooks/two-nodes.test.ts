/**
 * Two nodes on one PostgreSQL database run the relay and the webhook worker together (issue 10): every event of
 * writes made through either node is delivered, in commit order per call, and never sent twice at once.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import pino from 'pino';
import { composeNode, type SwitchboardNode } from '../../src/app/compose.js';
import { loadConfig } from '../../src/app/config.js';
import { type FreshDatabase, freshDatabase, testDialects } from '../support/databases.js';
import { LOCAL_RECEIVERS } from '../support/test-node.js';
import { Receiver } from './receiver.js';

const runs = (await testDialects()).includes('postgres');

describe('two nodes deliver webhooks from one PostgreSQL', { skip: runs ? false : 'PostgreSQL unreachable' }, () => {
  let db: FreshDatabase;
  let dataDir: string;
  const nodes: { node: SwitchboardNode; url: string }[] = [];
  let receiver: Receiver;
  let token: string;
  const apiKey = `key-${randomBytes(4).toString('hex')}`;
  const apiSecret = randomBytes(24).toString('hex');

  before(async () => {
    db = freshDatabase('postgres');
    dataDir = mkdtempSync(join(tmpdir(), 'switchboard-two-'));
    for (let i = 0; i < 2; i++) {
      const { config } = loadConfig(
        {},
        { ...LOCAL_RECEIVERS, port: 0, host: '127.0.0.1', apiKey, apiSecret, dataDir, logLevel: 'error' },
      );
      // One after the other: the second finds the schema migrated.
      const node = await composeNode({ config, database: db.options, logger: pino({ level: 'silent' }) });
      nodes.push({ node, url: await node.listen() });
    }
    token = await new SignJWT({ server: true })
      .setProtectedHeader({ alg: 'HS256' })
      .sign(new TextEncoder().encode(apiSecret));
    receiver = await Receiver.start();
    receiver.answerDelayMs = 3;
  });
  after(async () => {
    for (const { node } of nodes) await node.close();
    await receiver.close();
    await db.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const call = async (nodeIndex: number, method: string, path: string, body: unknown) => {
    const base = nodes[nodeIndex]?.url as string;
    const res = await fetch(`${base}${path}?api_key=${apiKey}`, {
      method,
      headers: { authorization: token, 'stream-auth-type': 'jwt', 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    assert.ok(res.status < 300, `${method} ${path} on node ${nodeIndex}: ${res.status} ${await res.text()}`);
  };

  it('delivers each event, in order per call, never twice concurrently', async () => {
    await call(0, 'PATCH', '/api/v2/app', { webhook_url: receiver.url });
    await call(1, 'POST', '/api/v2/users', { users: { zoe: { id: 'zoe' } } });
    const calls = Array.from({ length: 12 }, (_, i) => `duo${i}`);
    await Promise.all(
      calls.map(async (id, i) => {
        await call(i % 2, 'POST', `/api/v2/video/call/default/${id}`, { data: { created_by_id: 'zoe' } });
        for (let n = 0; n < 4; n++) {
          await call((i + n) % 2, 'POST', `/api/v2/video/call/default/${id}/event`, { user_id: 'zoe', custom: { n } });
        }
      }),
    );
    const rows = await nodes[0]?.node.ctx.store.db
      .selectFrom('outbox')
      .select(['event_id', 'call_cid'])
      .orderBy('id')
      .execute();
    const committed = rows ?? [];
    assert.equal(committed.length, calls.length * 5);
    const ok = () => new Set(receiver.received.filter((r) => r.status === 200).map((r) => r.event.id));
    await receiver.until('every event from both nodes', () => committed.every((e) => ok().has(e.event_id)), 30_000);
    assert.equal(receiver.concurrentDuplicates, 0, 'no webhook id was in flight twice at once');
    for (const id of calls) {
      const cid = `default:${id}`;
      const order = committed.filter((e) => e.call_cid === cid).map((e) => e.event_id);
      const firstSeen = [...new Set(receiver.received.filter((r) => r.event.call_cid === cid).map((r) => r.event.id))];
      assert.deepEqual(firstSeen, order, `${cid} arrived in commit order`);
    }
    const duplicates = receiver.received.length - ok().size;
    assert.equal(duplicates, 0, 'with a healthy receiver, each event was sent exactly once');
  });
});
