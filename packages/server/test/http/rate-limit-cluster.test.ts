/**
 * Rate limits hold for the cluster, not per node: three nodes (apps in this process) on one PostgreSQL database and
 * one Redis count one user's requests in the same Redis counters, so requests spread round robin over the three get
 * the configured limit in total (not three times it). And Redis going away lets requests through uncounted: no 429,
 * no 5xx, no crash.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import pino from 'pino';
import { composeNode, type SwitchboardNode } from '../../src/app/compose.js';
import { type Config, loadConfig } from '../../src/app/config.js';
import { type FreshDatabase, freshDatabase, postgresSkipReason } from '../support/databases.js';
import { OwnRedis, REDIS_URL, redisSkipReason } from '../support/redis.js';

const skip = (await postgresSkipReason()) ?? (await redisSkipReason());
const LIMIT = 10;

describe('rate limits shared through Redis [postgres, redis]', { skip }, () => {
  const apiKey = `key-${randomBytes(4).toString('hex')}`;
  const apiSecret = randomBytes(24).toString('hex');
  const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-ratelimit-'));
  const nodes: SwitchboardNode[] = [];
  const databases: FreshDatabase[] = [];
  after(async () => {
    for (const node of nodes) await node.close();
    for (const db of databases) await db.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function startNodes(count: number, redisUrl: string, db: FreshDatabase): Promise<string[]> {
    const urls: string[] = [];
    for (let i = 0; i < count; i++) {
      const overrides: Partial<Config> = {
        port: 0,
        host: '127.0.0.1',
        apiKey,
        apiSecret,
        dataDir,
        logLevel: 'error',
        redisUrl,
        rateLimitUserReads: LIMIT,
      };
      const { config } = loadConfig({}, overrides);
      const node = await composeNode({ config, database: db.options, logger: pino({ level: 'silent' }) });
      nodes.push(node);
      urls.push(await node.listen());
    }
    return urls;
  }

  const sign = (claims: Record<string, unknown>) =>
    new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(apiSecret));
  /** A new user (created with a server token, which has its own limits) and a token of theirs. */
  const userToken = async (base: string) => {
    const userId = `u-${randomBytes(4).toString('hex')}`;
    const res = await fetch(`${base}/api/v2/users?api_key=${apiKey}`, {
      method: 'POST',
      headers: {
        authorization: await sign({ server: true }),
        'stream-auth-type': 'jwt',
        'content-type': 'application/json',
      },
      body: JSON.stringify({ users: { [userId]: { id: userId } } }),
    });
    assert.equal(res.status, 200, await res.text());
    return sign({ user_id: userId });
  };
  /** One GET as `userId` (a missing call: the limiter counts it before the route answers 404). */
  const get = async (base: string, token: string) => {
    const res = await fetch(`${base}/api/v2/video/call/default/nothing-here?api_key=${apiKey}`, {
      headers: { authorization: token, 'stream-auth-type': 'jwt' },
    });
    await res.arrayBuffer();
    return res.status;
  };

  it('one user across three nodes gets the configured limit in total', async () => {
    const db = freshDatabase('postgres');
    databases.push(db);
    const urls = await startNodes(3, REDIS_URL, db);
    const token = await userToken(urls[0] as string);
    const statuses: number[] = [];
    for (let i = 0; i < 4 * LIMIT; i++) statuses.push(await get(urls[i % urls.length] as string, token));
    const allowed = statuses.filter((s) => s !== 429).length;
    assert.ok(
      statuses.every((s) => s === 404 || s === 429),
      `only 404 and 429: ${statuses.join(',')}`,
    );
    // Exactly the limit, unless the window rolled over mid-test (then at most once more): never 3 × the limit.
    assert.ok(allowed >= LIMIT && allowed <= 2 * LIMIT, `${allowed} allowed of ${statuses.length}`);
    assert.equal(statuses.at(-1), 429);
  });

  it('lets requests through uncounted while Redis is down', async () => {
    const own = await OwnRedis.start();
    const db = freshDatabase('postgres');
    databases.push(db);
    try {
      const [url] = await startNodes(1, own.url, db);
      const token = await userToken(url as string);
      const before: number[] = [];
      for (let i = 0; i < LIMIT + 2; i++) before.push(await get(url as string, token));
      assert.equal(before.at(-1), 429, `counted while Redis is up: ${before.join(',')}`);
      await own.kill();
      const during: number[] = [];
      for (let i = 0; i < LIMIT + 2; i++) during.push(await get(url as string, token));
      assert.deepEqual(
        during,
        during.map(() => 404),
        'every request answered by its route while Redis is down',
      );
    } finally {
      await own.kill();
    }
  });
});
