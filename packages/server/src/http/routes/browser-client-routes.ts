/**
 * What a browser needs to join a call without a build step: the browser client as one ES module
 * (`/client/switchboard-client.js`), the demo page (`/demo`), and the demo page's token minting (`/demo/token`,
 * refused unless SWITCHBOARD_DEMO_TOKENS allows it). No api_key or token: the page and the script are public, and
 * the token route guards itself.
 */
import { readFileSync } from 'node:fs';
import { ErrorCode, UserIdString } from '@switchboard/protocol';
import type { FastifyInstance, onRequestHookHandler } from 'fastify';
import { Type } from 'typebox';
import { ApiError } from '../../domain/errors.js';
import type { ServiceContext } from '../../services/context.js';
import { DEMO_TOKENS_PER_MINUTE, type DemoTokenSwitch, mintDemoUserToken } from '../../services/demo-tokens.js';
import { BrowserClientBundle } from '../browser-client-bundle.js';
import { localRateLimitBackend } from '../rate-limit.js';

export const BROWSER_CLIENT_PATH = '/client/switchboard-client.js';
const DEMO_PAGE = readFileSync(new URL('../demo/demo-page.html', import.meta.url), 'utf8');

const DemoTokenRequest = Type.Object({ user_id: UserIdString });

export interface BrowserClientOptions {
  /** Whether `/demo/token` mints tokens, and why (resolved from SWITCHBOARD_DEMO_TOKENS by the composition root). */
  demoTokens: DemoTokenSwitch;
}

/**
 * The route is public (no token to count by), so it is counted per client IP, on its own counter: the general
 * anonymous write budget is far too generous for a route that hands out credentials.
 */
function demoTokenRateLimit(): onRequestHookHandler {
  const backend = localRateLimitBackend();
  const windowMs = 60_000;
  return (request, reply, done) => {
    backend.incr(
      `demo-token:${request.ip}`,
      (err, result) => {
        if (err || !result) return done();
        if (result.current <= DEMO_TOKENS_PER_MINUTE) return done();
        const retryIn = Math.ceil(result.ttl / 1000);
        reply.header('retry-after', retryIn);
        done(
          new ApiError(
            ErrorCode.TooManyRequests,
            `rate limit exceeded: at most ${DEMO_TOKENS_PER_MINUTE} demo tokens per minute; retry in ${retryIn} s`,
          ),
        );
      },
      windowMs,
      DEMO_TOKENS_PER_MINUTE,
    );
  };
}

export async function browserClientRoutes(
  app: FastifyInstance,
  ctx: ServiceContext,
  options: BrowserClientOptions,
): Promise<void> {
  const bundle = new BrowserClientBundle();
  const config = { public: true };
  app.get(BROWSER_CLIENT_PATH, { config, schema: { operationId: 'GetBrowserClient' } }, async (_req, reply) =>
    reply
      .type('text/javascript; charset=utf-8')
      .header('cache-control', 'no-cache')
      .send(await bundle.text()),
  );
  app.get('/demo', { config, schema: { operationId: 'GetDemoPage' } }, async (_req, reply) =>
    reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(DEMO_PAGE),
  );
  app.post<{ Body: { user_id: string } }>(
    '/demo/token',
    { config, schema: { operationId: 'MintDemoToken', body: DemoTokenRequest }, onRequest: demoTokenRateLimit() },
    async (request) => mintDemoUserToken(ctx, options.demoTokens, request.body.user_id),
  );
}
