/**
 * What a browser needs to join a call without a build step: the browser client as one ES module
 * (`/client/switchboard-client.js`), the demo page (`/demo`), and the demo page's token minting (`/demo/token`,
 * refused unless SWITCHBOARD_DEMO_TOKENS allows it). No api_key or token: the page and the script are public, and
 * the token route guards itself.
 */
import { readFileSync } from 'node:fs';
import { UserIdString } from '@switchboard/protocol';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { ServiceContext } from '../../services/context.js';
import { mintDemoUserToken } from '../../services/demo-tokens.js';
import { BrowserClientBundle } from '../browser-client-bundle.js';

export const BROWSER_CLIENT_PATH = '/client/switchboard-client.js';
const DEMO_PAGE = readFileSync(new URL('../demo/demo-page.html', import.meta.url), 'utf8');

const DemoTokenRequest = Type.Object({ user_id: UserIdString });

export interface BrowserClientOptions {
  /** Whether `/demo/token` mints tokens (resolved from SWITCHBOARD_DEMO_TOKENS by the composition root). */
  demoTokens: boolean;
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
    { config, schema: { operationId: 'MintDemoToken', body: DemoTokenRequest } },
    async (request) => mintDemoUserToken(ctx, options.demoTokens, request.body.user_id),
  );
}
