/**
 * What one client may cost the HTTP server, from config: socket timeouts (slow headers, slow bodies, idle
 * keep-alives), the connection cap and the rate limits per endpoint group.
 */
import type { Config } from '../app/config.js';

/** Endpoint groups, each with its own budget per key: plain reads, writes, Query* searches, realtime connects. */
export type RateGroup = 'reads' | 'writes' | 'queries' | 'connects';

export interface RateLimits {
  windowMs: number;
  /** Per user id (user tokens) or per client IP (anonymous); 0 = unlimited. */
  user: Record<RateGroup, number>;
  /** Per API key (server tokens); 0 = unlimited. Server tokens never open realtime connections. */
  apiKey: Record<RateGroup, number>;
}

export interface HttpLimits {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  /** 0 = unlimited. */
  maxConnections: number;
  rateLimits: RateLimits;
}

export function httpLimits(config: Config): HttpLimits {
  return {
    headersTimeoutMs: config.headersTimeoutMs,
    requestTimeoutMs: config.requestTimeoutMs,
    keepAliveTimeoutMs: config.keepAliveTimeoutMs,
    maxConnections: config.maxConnections,
    rateLimits: {
      windowMs: config.rateLimitWindowMs,
      user: {
        reads: config.rateLimitUserReads,
        writes: config.rateLimitUserWrites,
        queries: config.rateLimitUserQueries,
        connects: config.rateLimitUserConnects,
      },
      apiKey: {
        reads: config.rateLimitApiKeyReads,
        writes: config.rateLimitApiKeyWrites,
        queries: config.rateLimitApiKeyQueries,
        connects: 0,
      },
    },
  };
}
