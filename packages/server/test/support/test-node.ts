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
import type { Resolver } from '../../src/delivery/outbound/guarded-lookup.js';
import type { Clock } from '../../src/domain/clock.js';
import type { RealtimeOptions } from '../../src/realtime/realtime-options.js';
import { type FreshDatabase, freshDatabase, type TestDialect } from './databases.js';
import { ContractRecorder } from './openapi-contract.js';

export interface TestNode {
  node: SwitchboardNode;
  baseUrl: string;
  apiKey: string;
  apiSecret: string;
  dialect: TestDialect;
  /** A server token for raw HTTP tests. */
  serverToken: string;
  userToken(userId: string, claims?: Record<string, unknown>, expiresIn?: string | number): Promise<string>;
  /** Every HTTP response this node sent, checked against its OpenAPI document when the node stops. */
  contract: ContractRecorder;
  stop(): Promise<void>;
}

export interface TestNodeOptions {
  clock?: Clock;
  /** Realtime tunables (short presence grace, health-check intervals, send-queue bound) for realtime tests. */
  realtime?: Partial<RealtimeOptions>;
  /** A database shared with other nodes of the test (restart tests); the test drops it, not `stop()`. */
  database?: FreshDatabase;
  /** Settings other than the ones a test node fixes (port, host, credentials, data dir): low rate limits, ... */
  config?: Partial<Config>;
  /** How the node's webhooks and pushes resolve host names (a fake DNS); the system resolver by default. */
  resolve?: Resolver;
}

export async function startTestNode(dialect: TestDialect, options: TestNodeOptions = {}): Promise<TestNode> {
  const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-test-'));
  const apiKey = `key-${randomBytes(4).toString('hex')}`;
  const apiSecret = randomBytes(24).toString('hex');
  const db = options.database ? { options: options.database.options, drop: async () => {} } : freshDatabase(dialect);
  const contract = new ContractRecorder();
  const { config } = loadConfig(
    {},
    {
      ...options.config,
      port: 0,
      host: '127.0.0.1',
      apiKey,
      apiSecret,
      dataDir,
      logLevel: 'error',
    },
  );
  const node = await composeNode({
    config,
    database: db.options,
    checkTransactionReads: true,
    instrumentHttp: contract.attach,
    logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.realtime ? { realtime: options.realtime } : {}),
    ...(options.resolve ? { resolve: options.resolve } : {}),
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
    contract,
    async stop() {
      // Read before close: the document is built from the live app's routes.
      const violations = contract.violations();
      await node.close();
      await db.drop();
      rmSync(dataDir, { recursive: true, force: true });
      if (violations.length > 0) {
        throw new Error(`responses that break the OpenAPI document:\n${[...new Set(violations)].join('\n')}`);
      }
    },
  };
}

/**
 * The settings a node needs for a test whose webhook receivers and push peers listen on loopback: outbound requests
 * reach public addresses only unless allow-listed, so such a test allow-lists loopback explicitly.
 */
export const LOCAL_RECEIVERS: Partial<Config> = { outboundAllowPrivate: ['127.0.0.1'] };
/** The same for a Web Push test: its local subscription endpoint is allow-listed for users too. */
export const LOCAL_PUSH_PEERS: Partial<Config> = { ...LOCAL_RECEIVERS, webPushAllowPrivate: ['127.0.0.1'] };
