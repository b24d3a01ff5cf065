/**
 * SWITCHBOARD_DEMO_TOKENS=auto: `/demo/token` mints only on a node that generated its credentials on this very
 * start, on SQLite, listening on a loopback address; and never more than the per-IP rate. Nodes here are composed
 * without configured credentials (unlike test-node.ts), so they generate them in their data dir as `npm start` does.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ErrorCode } from '@switchboard/protocol';
import pino from 'pino';
import { composeNode, type SwitchboardNode } from '../../src/app/compose.js';
import { type Config, loadConfig } from '../../src/app/config.js';
import { demoTokenPolicy, isLoopbackHost } from '../../src/app/demo-token-policy.js';
import { DEMO_TOKENS_PER_MINUTE } from '../../src/services/demo-tokens.js';
import { freshDatabase, postgresSkipReason } from '../support/databases.js';

const pgSkip = await postgresSkipReason();

interface Started {
  node: SwitchboardNode;
  baseUrl: string;
}

const dataDirs: string[] = [];
const nodes: SwitchboardNode[] = [];
after(async () => {
  await Promise.all(nodes.map((n) => n.close()));
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

function newDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-demo-'));
  dataDirs.push(dir);
  return dir;
}

/** A node as `npm start` builds it: no SWITCHBOARD_API_KEY/SECRET, so the data dir's credentials are used. */
async function start(dataDir: string, settings: Partial<Config> = {}, postgres = false): Promise<Started> {
  const { config } = loadConfig({}, { port: 0, host: '127.0.0.1', dataDir, logLevel: 'silent', ...settings });
  const database = postgres ? freshDatabase('postgres') : undefined;
  const node = await composeNode({
    config,
    logger: pino({ level: 'silent' }),
    ...(database ? { database: database.options } : {}),
  });
  nodes.push(node);
  if (database) after(() => database.drop());
  return { node, baseUrl: await node.listen() };
}

function mint(baseUrl: string, userId = 'demo-user'): Promise<Response> {
  return fetch(new URL('/demo/token', baseUrl.replace('0.0.0.0', '127.0.0.1')), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user_id: userId }),
  });
}

async function assertRefused(baseUrl: string, reason: RegExp): Promise<void> {
  const res = await mint(baseUrl);
  const body = (await res.json()) as { code: number; message: string };
  assert.equal(res.status, 403, JSON.stringify(body));
  assert.equal(body.code, ErrorCode.NotAllowed);
  assert.match(body.message, reason);
  assert.match(body.message, /SWITCHBOARD_DEMO_TOKENS/, 'names the setting that changes it');
}

describe('demo token policy (pure)', () => {
  const fresh = { setting: 'auto', generatedCredentials: true, sharedDatabase: false, host: '127.0.0.1' } as const;

  it('auto mints only when every condition holds; on and off override', () => {
    assert.equal(demoTokenPolicy(fresh).enabled, true);
    assert.equal(demoTokenPolicy({ ...fresh, generatedCredentials: false }).enabled, false);
    assert.equal(demoTokenPolicy({ ...fresh, sharedDatabase: true }).enabled, false);
    assert.equal(demoTokenPolicy({ ...fresh, host: '0.0.0.0' }).enabled, false);
    assert.equal(demoTokenPolicy({ ...fresh, host: '10.0.0.5' }).enabled, false);
    assert.equal(demoTokenPolicy({ ...fresh, setting: 'off' }).enabled, false);
    const forced = { setting: 'on', generatedCredentials: false, sharedDatabase: true, host: '0.0.0.0' } as const;
    assert.equal(demoTokenPolicy(forced).enabled, true);
  });

  it('knows loopback hosts', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]', '::ffff:127.0.0.1']) {
      assert.equal(isLoopbackHost(host), true, host);
    }
    for (const host of ['0.0.0.0', '::', '192.168.1.2', 'example.com', '128.0.0.1', '::ffff:10.0.0.1']) {
      assert.equal(isLoopbackHost(host), false, host);
    }
  });
});

describe('SWITCHBOARD_DEMO_TOKENS=auto on a started node', () => {
  it('mints on the start that generated the credentials, and not after a restart that found them', async () => {
    const dir = newDataDir();
    const first = await start(dir);
    assert.equal(first.node.generatedCredentials, true);
    assert.equal(first.node.demoTokens.enabled, true);
    const res = await mint(first.baseUrl);
    assert.equal(res.status, 200, await res.clone().text());
    assert.equal(((await res.json()) as { user_id: string }).user_id, 'demo-user');
    await first.node.close();
    nodes.splice(nodes.indexOf(first.node), 1);

    assert.ok(existsSync(join(dir, 'credentials.json')));
    const restarted = await start(dir);
    assert.equal(restarted.node.generatedCredentials, false);
    assert.equal(restarted.node.demoTokens.enabled, false);
    await assertRefused(restarted.baseUrl, /not generated by this start/);
  });

  it('refuses on a node listening beyond loopback', async () => {
    const started = await start(newDataDir(), { host: '0.0.0.0' });
    assert.equal(started.node.generatedCredentials, true);
    await assertRefused(started.baseUrl, /HOST=0\.0\.0\.0 is not a loopback address/);
  });

  it('refuses on PostgreSQL, a database other nodes may share', { skip: pgSkip }, async () => {
    const started = await start(newDataDir(), {}, true);
    assert.equal(started.node.generatedCredentials, true);
    await assertRefused(started.baseUrl, /PostgreSQL/);
  });

  it(`mints at most ${DEMO_TOKENS_PER_MINUTE} tokens a minute per client IP`, async () => {
    const { baseUrl } = await start(newDataDir());
    for (let i = 0; i < DEMO_TOKENS_PER_MINUTE; i++) {
      const res = await mint(baseUrl, `demo-${i}`);
      assert.equal(res.status, 200, `token ${i + 1}`);
      await res.body?.cancel();
    }
    const refused = await mint(baseUrl);
    const body = (await refused.json()) as { code: number; message: string };
    assert.equal(refused.status, 429, JSON.stringify(body));
    assert.equal(body.code, ErrorCode.TooManyRequests);
    assert.ok(Number(refused.headers.get('retry-after')) > 0, 'says when to retry');
  });
});
