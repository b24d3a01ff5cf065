/**
 * Rate-limit counters shared by every node of a cluster, in Redis: one fixed-window counter per key, counted by the
 * plugin's RedisStore (a Lua script doing INCR, PEXPIRE on the first hit and PTTL: atomic, one round trip per
 * check), under the cluster's key prefix so other clusters on the same Redis count apart.
 *
 * Redis being away must never cost a request: the client does not queue commands while disconnected and gives up
 * on an answer after `commandTimeoutMs`; the limiter then lets the request through uncounted. The outage is logged
 * (at most once per `LOG_EVERY_MS`), and the client reconnects on its own.
 */
import { createRequire } from 'node:module';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { RateLimitBackend } from './rate-limit.js';

const require = createRequire(import.meta.url);
const LOG_EVERY_MS = 10_000;

export interface RedisRateLimitOptions {
  url: string;
  /** The cluster's key prefix; counters live under `<prefix>:ratelimit:`. */
  prefix: string;
  nodeId: string;
  logger: Logger;
  /** How long a check waits for Redis before the request goes through uncounted. */
  commandTimeoutMs?: number;
}

export class RedisRateLimitBackend implements RateLimitBackend {
  private readonly client: Redis;
  private readonly store: RateLimitBackend;
  private lastLoggedAt = 0;
  /** Settles once the first connection attempt did (never rejects): a node starts counting from its first request. */
  readonly connected: Promise<void>;

  constructor(private readonly options: RedisRateLimitOptions) {
    this.client = new Redis(options.url, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: options.commandTimeoutMs ?? 500,
      retryStrategy: (times: number) => Math.min(times * 100, 2000),
      connectionName: `switchboard-ratelimit-${options.nodeId}`,
    });
    // Without a listener an ioredis error event would crash the process.
    this.client.on('error', (err: Error) => this.outage(err));
    const RedisStore = require('@fastify/rate-limit/store/RedisStore.js') as new (
      continueExceeding: boolean,
      exponentialBackoff: boolean,
      redis: Redis,
      key: string,
    ) => RateLimitBackend;
    this.store = new RedisStore(false, false, this.client, `${options.prefix}:ratelimit:`);
    // A failed first attempt does not stop the node: requests pass uncounted until Redis answers (as in an outage).
    this.connected = this.client.connect().catch((err: Error) => this.outage(err));
  }

  incr(
    key: string,
    done: (err: Error | null, result?: { current: number; ttl: number }) => void,
    windowMs: number,
    max: number,
  ): void {
    this.store.incr(
      key,
      (err, result) => {
        if (err) this.outage(err);
        done(err, result);
      },
      windowMs,
      max,
    );
  }

  close(): void {
    this.client.disconnect();
  }

  private outage(err: Error): void {
    const now = Date.now();
    if (now - this.lastLoggedAt < LOG_EVERY_MS) return;
    this.lastLoggedAt = now;
    this.options.logger.warn({ err: err.message }, 'rate limits: Redis unavailable, requests pass uncounted');
  }
}
