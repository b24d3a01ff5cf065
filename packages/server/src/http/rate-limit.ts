/**
 * Rate limits per endpoint group (reads, writes, Query* searches, realtime connects) and per key: the API key for
 * server tokens, the user id for user tokens, the client IP for anonymous requests. HTTP routes are limited by
 * `@fastify/rate-limit` (its `X-RateLimit-Limit/Remaining/Reset` headers, 429 with code 9 in the API error shape);
 * the realtime handshake asks the same limiter (`take`).
 *
 * Counting lives in a backend with the plugin's store interface (`incr(key, cb, windowMs, max)`): its in-memory
 * LRU store on a single node; with `REDIS_URL` the Redis backend (http/redis-rate-limit.ts), so every node of the
 * cluster charges the same counters. Every route of a group counts into the same key, so the plugin's per-route
 * child stores are collapsed into one. A backend that fails lets the request through uncounted.
 */
import { createRequire } from 'node:module';
import { ErrorCode } from '@switchboard/protocol';
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { ApiError } from '../domain/errors.js';
import type { RateGroup, RateLimits } from './http-limits.js';
import { asList } from './route-hooks.js';

export interface RateLimitBackend {
  incr(
    key: string,
    done: (err: Error | null, result?: { current: number; ttl: number }) => void,
    windowMs: number,
    max: number,
  ): void;
}

/** Keys (users, IPs) tracked at once by the in-memory backend; the least recently seen are forgotten first. */
export const LOCAL_RATE_LIMIT_KEYS = 50_000;

const require = createRequire(import.meta.url);

/** The plugin's own in-memory store (an LRU of fixed-window counters), bounded to `LOCAL_RATE_LIMIT_KEYS`. */
export function localRateLimitBackend(): RateLimitBackend {
  const LocalStore = require('@fastify/rate-limit/store/LocalStore.js') as new (
    continueExceeding: boolean,
    exponentialBackoff: boolean,
    cache: number,
  ) => RateLimitBackend;
  return new LocalStore(false, false, LOCAL_RATE_LIMIT_KEYS);
}

/** Who a request is counted for: any Actor, or just a user id (the realtime handshake). */
export type RateSubject = { kind: 'server' } | { kind: 'user'; userId: string } | { kind: 'anonymous' };

export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  resetSeconds: number;
}

/** 0 means unlimited; the plugin needs a number. */
const UNLIMITED = Number.MAX_SAFE_INTEGER;

export class RateLimiter {
  constructor(
    readonly limits: RateLimits,
    readonly apiKey: string,
    readonly backend: RateLimitBackend = localRateLimitBackend(),
  ) {}

  /** Which counter a request of `actor` charges in `group`. */
  keyOf(group: RateGroup, actor: RateSubject | undefined, ip: string): string {
    if (actor?.kind === 'server') return `${group}:key:${this.apiKey}`;
    if (actor?.kind === 'user') return `${group}:user:${actor.userId}`;
    return `${group}:ip:${ip}`;
  }

  maxOf(group: RateGroup, actor: RateSubject | undefined): number {
    const max = actor?.kind === 'server' ? this.limits.apiKey[group] : this.limits.user[group];
    return max === 0 ? UNLIMITED : max;
  }

  /** True when no key has a limit in `group` (its routes then skip the limiter entirely). */
  unlimited(group: RateGroup): boolean {
    return this.limits.user[group] === 0 && this.limits.apiKey[group] === 0;
  }

  /** Charges one request outside fastify (the realtime handshake); allowed uncounted when the store fails. */
  take(group: RateGroup, actor: RateSubject, ip: string): Promise<RateDecision> {
    const limit = this.maxOf(group, actor);
    const windowS = Math.ceil(this.limits.windowMs / 1000);
    return new Promise((resolve) => {
      this.backend.incr(
        this.keyOf(group, actor, ip),
        (err, result) => {
          if (err || !result) return resolve({ allowed: true, limit, remaining: limit, resetSeconds: windowS });
          resolve({
            allowed: result.current <= limit,
            limit,
            remaining: Math.max(0, limit - result.current),
            resetSeconds: Math.ceil(result.ttl / 1000),
          });
        },
        this.limits.windowMs,
        limit,
      );
    });
  }

  /** The onRequest step charging `group` (callback form; synchronous with the in-memory store). */
  hook(group: RateGroup): (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => void {
    const windowMs = this.limits.windowMs;
    return (request, reply, done) => {
      const actor = request.actor;
      const max = this.maxOf(group, actor);
      const key = this.keyOf(group, actor, actor?.kind === 'server' || actor?.kind === 'user' ? '' : request.ip);
      this.backend.incr(
        key,
        (err, result) => {
          // A failing shared store must not take the API down with it: the request goes through uncounted.
          if (err || !result) return done();
          const resetSeconds = Math.ceil(result.ttl / 1000);
          reply.header('x-ratelimit-limit', max);
          reply.header('x-ratelimit-remaining', Math.max(0, max - result.current));
          reply.header('x-ratelimit-reset', resetSeconds);
          if (result.current <= max) return done();
          reply.header('retry-after', resetSeconds);
          done(this.tooMany(group, max, resetSeconds));
        },
        windowMs,
        max,
      );
    };
  }

  tooMany(group: RateGroup, limit: number, retryInSeconds: number): ApiError {
    const windowS = Math.round(this.limits.windowMs / 1000);
    return new ApiError(
      ErrorCode.TooManyRequests,
      `rate limit exceeded: at most ${limit} ${group} per ${windowS} s; retry in ${retryInSeconds} s`,
    );
  }
}

/** The group a route belongs to, decided once from its operation and method. */
export function groupOf(method: string | string[], operationId: string | undefined): RateGroup {
  if (operationId?.startsWith('Query')) return 'queries';
  const methods = Array.isArray(method) ? method : [method];
  return methods.every((m) => m === 'GET' || m === 'HEAD') ? 'reads' : 'writes';
}

/**
 * Call before any route is registered and after the authentication hooks are attached: the limiter runs as the
 * route's next onRequest step after authentication (so it knows the actor), before the body is parsed, so a
 * flood of oversized or malformed bodies is refused without reading them. Public routes (health, metrics,
 * OpenAPI) are not limited: monitoring must keep working under a flood.
 *
 * The hook is ours rather than the plugin's: the plugin's is an async function with three awaits and rebuilds
 * `request.routeOptions` on every request, a measurable share of the get-or-create hot path, while this one is
 * callback-form like every other hook here and completes synchronously with the in-memory store. Counting,
 * headers and the 429 answer are the plugin's semantics, on the plugin's stores.
 */
export function attachRateLimits(app: FastifyInstance, limiter: RateLimiter): void {
  app.addHook('onRoute', (route) => {
    if (route.config?.public === true) return;
    const operationId = (route.schema as { operationId?: string } | undefined)?.operationId;
    const group = groupOf(route.method, operationId);
    if (limiter.unlimited(group)) return;
    route.onRequest = [...asList(route.onRequest), limiter.hook(group)];
  });
}
