/**
 * Redis for tests: the machine's shared Redis (127.0.0.1:6379, or TEST_REDIS_URL) for ordinary cluster tests, and a
 * private `redis-server` on a free port for tests that stop and restart it (never the shared one). Each test names
 * its own channels (a random api key is the channel prefix), so parallel runs do not see each other.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';

export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

async function ping(url: string): Promise<string | undefined> {
  const client = new Redis(url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.ping();
    return undefined;
  } catch (err) {
    return (err as Error).message;
  } finally {
    client.disconnect();
  }
}

/** Why Redis tests are skipped, or undefined when Redis answers. Throws under CI=true: a missing service fails. */
export async function redisSkipReason(): Promise<string | undefined> {
  const problem = await ping(REDIS_URL);
  if (problem === undefined) return undefined;
  const reason = `Redis at ${REDIS_URL} unreachable (${problem})`;
  if (process.env.CI === 'true') throw new Error(`${reason}; it is required when CI=true`);
  console.log(`# skipping Redis tests: ${reason}`);
  return reason;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** A redis-server of this test's own, without persistence, that the test may stop and start again. */
export class OwnRedis {
  private child: ChildProcess | undefined;

  private constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  static async start(): Promise<OwnRedis> {
    const redis = new OwnRedis(await freePort());
    await redis.restart();
    return redis;
  }

  /** Starts the server (again, on the same port) and resolves once it answers PING. */
  async restart(): Promise<void> {
    const child = spawn('redis-server', ['--port', String(this.port), '--save', '', '--appendonly', 'no'], {
      stdio: 'ignore',
    });
    this.child = child;
    const deadline = Date.now() + 10_000;
    while ((await ping(this.url)) !== undefined) {
      if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}`);
      if (Date.now() > deadline) throw new Error('redis-server did not answer within 10 s');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Kills the server (SIGKILL: no goodbye to its clients) and waits until it is gone. */
  async kill(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  }
}
