/**
 * Starts a real Switchboard node on a free port for a test, against a fresh database, and tears it down.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import pino from 'pino';
import { composeNode, type SwitchboardNode } from '../../src/app/compose.js';
import { type Config, loadConfig } from '../../src/app/config.js';
import type { Clock } from '../../src/domain/clock.js';
import type { RealtimeOptions } from '../../src/realtime/realtime-options.js';
import { freshDatabase, type TestDialect } from './databases.js';

export interface TestNode {
  node: SwitchboardNode;
  baseUrl: string;
  apiKey: string;
  apiSecret: string;
  dialect: TestDialect;
  /** A server token for raw HTTP tests. */
  serverToken: string;
  userToken(userId: string, claims?: Record<string, unknown>, expiresIn?: string | number): Promise<string>;
  stop(): Promise<void>;
}

export interface TestNodeOptions {
  clock?: Clock;
  /** Realtime tunables (short presence grace, health-check intervals, send-queue bound) for realtime tests. */
  realtime?: Partial<RealtimeOptions>;
  /** Settings other than the ones every test node fixes (e.g. a short webhook retry schedule). */
  config?: Partial<Config>;
}

export async function startTestNode(dialect: TestDialect, options: TestNodeOptions = {}): Promise<TestNode> {
  const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-test-'));
  const apiKey = `key-${randomBytes(4).toString('hex')}`;
  const apiSecret = randomBytes(24).toString('hex');
  const db = freshDatabase(dialect);
  const { config } = loadConfig(
    {},
    { ...options.config, port: 0, host: '127.0.0.1', apiKey, apiSecret, dataDir, logLevel: 'error' },
  );
  const node = await composeNode({
    config,
    database: db.options,
    checkTransactionReads: true,
    logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.realtime ? { realtime: options.realtime } : {}),
  });
  const baseUrl = await node.listen();
  const key = new TextEncoder().encode(apiSecret);
  const sign = (claims: Record<string, unknown>, expiresIn?: string | number) => {
    const jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuedAt();
    if (expiresIn !== undefined) jwt.setExpirationTime(expiresIn);
    return jwt.sign(key);
  };
  return {
    node,
    baseUrl,
    apiKey,
    apiSecret,
    dialect,
    serverToken: await sign({ server: true }),
    userToken: (userId, claims = {}, expiresIn) => sign({ user_id: userId, ...claims }, expiresIn),
    async stop() {
      await node.close();
      await db.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
