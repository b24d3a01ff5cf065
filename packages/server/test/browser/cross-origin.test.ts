/**
 * A web page on another origin uses the SDK in a real browser: Debian's Chromium, driven by playwright-core (never a
 * downloaded browser). The page is served by a second HTTP server on another port, so every REST call is
 * cross-origin and preflighted; the node allows that page's origin (SWITCHBOARD_CORS_ORIGINS) and no other.
 *
 * Without Chromium the test is skipped with the reason printed, unless CI=true, where it fails: `.ci/run` installs
 * Chromium from Debian's packages.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { startTestNode, type TestNode } from '../support/test-node.js';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const SDK_DIR = fileURLToPath(new URL('../../../sdk/', import.meta.url));

const missing = existsSync(CHROMIUM) ? undefined : `${CHROMIUM} not found (apt-get install -y chromium)`;
if (missing && process.env.CI !== 'true') console.log(`# browser tests skipped: ${missing}`);

/** The SDK bundled for the browser, as a page script exposing `window.Switchboard`. */
async function bundleSdk(): Promise<string> {
  const result = await build({
    stdin: {
      contents: "import * as sdk from '@switchboard/sdk'; globalThis.Switchboard = sdk;",
      resolveDir: SDK_DIR,
      loader: 'ts',
    },
    bundle: true,
    format: 'iife',
    platform: 'browser',
    // The workspace packages' TypeScript sources, as the tests run them (not a possibly stale dist/).
    conditions: ['switchboard-source', 'module'],
    target: 'es2022',
    write: false,
  });
  return result.outputFiles[0]?.text ?? '';
}

/** Serves the page and the bundle on its own port: an origin other than the API's. */
async function servePage(sdk: string): Promise<{ server: Server; origin: string }> {
  const html = '<!doctype html><meta charset="utf-8"><title>switchboard page</title><script src="/sdk.js"></script>';
  const server = createServer((req, res) => {
    const js = req.url === '/sdk.js';
    res.writeHead(200, { 'content-type': js ? 'text/javascript' : 'text/html; charset=utf-8' });
    res.end(js ? sdk : html);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

interface PageResult {
  created: boolean;
  participants: number;
  custom: unknown;
  sender: string;
}

describe('a page on another origin, in Chromium', { skip: process.env.CI === 'true' ? false : missing }, () => {
  let node: TestNode;
  let page: Page;
  let context: BrowserContext;
  let pageServer: Server;
  let pageOrigin: string;
  let otherServer: Server;
  let otherOrigin: string;
  let userDataDir: string;

  before(async () => {
    assert.ok(!missing, `${missing}; with CI=true the browser tests must run`);
    const sdk = await bundleSdk();
    ({ server: pageServer, origin: pageOrigin } = await servePage(sdk));
    ({ server: otherServer, origin: otherOrigin } = await servePage(sdk));
    node = await startTestNode('sqlite', { config: { corsOrigins: pageOrigin } });
    userDataDir = mkdtempSync(join(tmpdir(), 'switchboard-chromium-'));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      args: CHROMIUM_ARGS,
      headless: true,
    });
    page = await context.newPage();
  });

  after(async () => {
    await context?.close();
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
    pageServer?.close();
    otherServer?.close();
    await node?.stop();
  });

  it('joins a call over REST and receives its events over the WebSocket', async () => {
    const userId = 'page-user';
    const callId = 'browser-call';
    await page.goto(pageOrigin);
    const token = await node.userToken(userId);
    const args = { apiKey: node.apiKey, baseUrl: node.baseUrl, token, userId, callId };
    // The page connects, joins (creating the call), then waits for a custom event sent from the server side.
    const result = page.evaluate(async ({ apiKey, baseUrl, token, userId, callId }) => {
      // biome-ignore lint/suspicious/noExplicitAny: the bundle's global, typed by the SDK outside the page
      const { SwitchboardVideoClient } = (globalThis as any).Switchboard;
      const client = new SwitchboardVideoClient({ apiKey, baseUrl, token, user: { id: userId, name: 'Page' } });
      await client.connect();
      const call = client.call('default', callId);
      const custom = new Promise<{ custom: unknown; user: { id: string } }>((resolve) => {
        call.on('custom', resolve);
      });
      const joined = await call.join({ create: true });
      (globalThis as unknown as { joined: boolean }).joined = true;
      const event = await custom;
      return {
        created: joined.created,
        participants: call.state.call?.session?.participants.length ?? -1,
        custom: event.custom,
        sender: event.user.id,
      };
    }, args);
    // If the test fails before `result` is awaited, its rejection must not outlive the test.
    result.catch(() => {});
    await page.waitForFunction(() => (globalThis as unknown as { joined?: boolean }).joined === true);
    const server = (path: string, body: unknown) =>
      fetch(new URL(`${path}?api_key=${node.apiKey}`, node.baseUrl), {
        method: 'POST',
        headers: { authorization: node.serverToken, 'stream-auth-type': 'jwt', 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    assert.equal((await server('/api/v2/users', { users: { 'server-side': { id: 'server-side' } } })).status, 200);
    const sent = await server(`/api/v2/video/call/default/${callId}/event`, {
      user_id: 'server-side',
      custom: { type: 'draw', x: 10, y: 30 },
    });
    assert.equal(sent.status, 200, await sent.text());
    const seen: PageResult = await result;
    assert.equal(seen.created, true);
    assert.equal(seen.participants, 1, 'the join is in the call state the page holds');
    assert.deepEqual(seen.custom, { type: 'draw', x: 10, y: 30 });
    assert.equal(seen.sender, 'server-side');
  });

  it('is refused by the browser on an origin the node does not allow: a network error, not an HTTP answer', async () => {
    // The call exists and its creator may read it: the same request from the allowed origin succeeds (below), so
    // the failure on the other origin can only be the browser refusing the response.
    const callId = 'cors-refused';
    const userId = 'other-user';
    const server = (path: string, body: unknown) =>
      fetch(new URL(`${path}?api_key=${node.apiKey}`, node.baseUrl), {
        method: 'POST',
        headers: { authorization: node.serverToken, 'stream-auth-type': 'jwt', 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    assert.equal((await server('/api/v2/users', { users: { [userId]: { id: userId } } })).status, 200);
    const created = await server(`/api/v2/video/call/default/${callId}`, { data: { created_by_id: userId } });
    assert.equal(created.status, 200, await created.text());
    const token = await node.userToken(userId);
    const getCall = async (origin: string) => {
      await page.goto(origin);
      return page.evaluate(
        async ({ apiKey, baseUrl, token, userId, callId }) => {
          // biome-ignore lint/suspicious/noExplicitAny: the bundle's global
          const { SwitchboardVideoClient } = (globalThis as any).Switchboard;
          const client = new SwitchboardVideoClient({ apiKey, baseUrl, token, user: { id: userId } });
          try {
            const answer = await client.call('default', callId).get();
            return { ok: true, cid: answer.call.cid as string };
          } catch (err) {
            const e = err as { status?: number; code?: number; cause?: unknown };
            const cause = e.cause instanceof Error ? `${e.cause.name}: ${e.cause.message}` : String(e.cause);
            return { ok: false, status: e.status, code: e.code, cause };
          }
        },
        { apiKey: node.apiKey, baseUrl: node.baseUrl, token, userId, callId },
      );
    };

    const consoleErrors: string[] = [];
    const onConsole = (message: { type(): string; text(): string }) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    };
    page.on('console', onConsole);
    try {
      const refused = await getCall(otherOrigin);
      // No response reached the page: fetch rejected (status 0, no API code), as a browser does for a CORS refusal.
      assert.deepEqual(refused, { ok: false, status: 0, code: -1, cause: 'TypeError: Failed to fetch' });
      assert.ok(
        consoleErrors.some((text) => text.includes(`from origin '${otherOrigin}' has been blocked by CORS policy`)),
        `Chromium names the CORS refusal:\n${consoleErrors.join('\n')}`,
      );
    } finally {
      page.off('console', onConsole);
    }
    assert.deepEqual(await getCall(pageOrigin), { ok: true, cid: `default:${callId}` });
  });
});
