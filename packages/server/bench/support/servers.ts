/**
 * The servers benchmarks compare: a Switchboard node as `npm start` builds it (SQLite file in a temp dir, logging
 * off) and a bare fastify hello world, the ceiling any fastify app on this machine can reach.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { composeNode } from '../../src/app/compose.js';
import { loadConfig } from '../../src/app/config.js';

export type ServerKind = 'switchboard' | 'hello-world';

export interface ServerInfo {
  url: string;
  apiKey?: string;
  apiSecret?: string;
}

export interface RunningServer {
  info: ServerInfo;
  close(): Promise<void>;
}

/** BENCH_NO_RATE_LIMIT=1 turns every rate limit off, to measure what the limiter costs on the hot path. */
const NO_RATE_LIMITS = {
  rateLimitUserReads: 0,
  rateLimitUserWrites: 0,
  rateLimitUserQueries: 0,
  rateLimitUserConnects: 0,
  rateLimitApiKeyReads: 0,
  rateLimitApiKeyWrites: 0,
  rateLimitApiKeyQueries: 0,
};

async function startSwitchboard(): Promise<RunningServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-bench-'));
  const { config } = loadConfig(
    {},
    {
      port: 0,
      host: '127.0.0.1',
      dataDir,
      logLevel: 'silent',
      ...(process.env.BENCH_NO_RATE_LIMIT === '1' ? NO_RATE_LIMITS : {}),
    },
  );
  const node = await composeNode({ config });
  const url = await node.listen();
  return {
    info: { url, apiKey: node.apiKey, apiSecret: node.apiSecret },
    async close() {
      await node.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function startHelloWorld(): Promise<RunningServer> {
  const app = Fastify({ logger: false });
  app.get('/', async () => ({ hello: 'world' }));
  // The same answer to any POST: lets a benchmark send the baseline the very request it sends Switchboard.
  app.post('/*', async () => ({ hello: 'world' }));
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return { info: { url }, close: () => app.close() };
}

export function startServer(kind: ServerKind): Promise<RunningServer> {
  if (kind === 'switchboard') return startSwitchboard();
  if (kind === 'hello-world') return startHelloWorld();
  throw new Error(`unknown server kind: ${String(kind)}`);
}
