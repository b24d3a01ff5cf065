/**
 * The documentation names only what exists: every route a page names is a route of the server (its OpenAPI
 * document plus the two WebSocket endpoints), every environment variable is a setting of config.ts, and every
 * API error code is one of errors.ts with the HTTP status the table gives it. The checker itself is tested on a
 * renamed route, so a passing run means something.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { ErrorCode, HttpStatusByErrorCode } from '@switchboard/protocol';
import { servedDocument } from '../../../../scripts/openapi.js';
import { SETTINGS } from '../../src/app/config.js';
import { SFU_WS_PATH } from '../../src/media/embedded/embedded-media-server.js';
import { CONNECT_PATHS } from '../../src/realtime/gateway.js';
import {
  documentationPages,
  errorCodeMentions,
  type RouteMention,
  routeMentions,
  routeShape,
  settingMentions,
  unknownRoutes,
} from './markdown.js';

const pages = documentationPages();

/** `METHOD /shape` of every route a node answers. */
async function serverRoutes(): Promise<Set<string>> {
  const doc = (await servedDocument()) as { paths: Record<string, Record<string, unknown>> };
  const routes = new Set<string>();
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const method of Object.keys(methods)) routes.add(`${method.toUpperCase()} ${routeShape(path)}`);
  }
  // WebSocket upgrades are GETs the OpenAPI document cannot describe.
  for (const path of [...CONNECT_PATHS, SFU_WS_PATH]) routes.add(`GET ${routeShape(path)}`);
  return routes;
}

const show = (mentions: RouteMention[]) => mentions.map((m) => `${m.file}: ${m.method ?? ''} ${m.path}`).join('\n');

describe('the documentation names only routes the server has', () => {
  let routes: Set<string>;
  before(async () => {
    routes = await serverRoutes();
  });

  it('finds the routes the pages name (the extraction works on the real pages)', () => {
    const all = pages.flatMap(routeMentions);
    const named = new Set(all.map((m) => `${m.method ?? '*'} ${m.path}`));
    for (const expected of ['POST /video/call/{type}/{id}/join', 'GET /healthz', 'POST /api/v2/webhooks/replay']) {
      assert.ok(named.has(expected), `${expected} among ${[...named].slice(0, 20).join(', ')}`);
    }
    assert.ok(all.length > 60, `only ${all.length} route mentions found`);
  });

  it('every route a page names exists', () => {
    const unknown = unknownRoutes(pages.flatMap(routeMentions), routes);
    assert.equal(unknown.length, 0, `documented routes the server does not have:\n${show(unknown)}`);
  });

  it('a renamed route is caught: the docs still name the old path', () => {
    const renamed = new Set([...routes].map((r) => r.replace('/video/call/{}/{}/mark_ended', '/video/call/{}/{}/end')));
    const unknown = unknownRoutes(pages.flatMap(routeMentions), renamed);
    assert.ok(unknown.length > 0, 'the rename went unnoticed');
    assert.ok(
      unknown.every((m) => m.path.endsWith('/mark_ended')),
      show(unknown),
    );
  });

  it('the /video family is only claimed where it exists', () => {
    // The call, call type, query and device operations answer under /video; users and the app do not.
    const unknown = unknownRoutes(
      [
        { file: 'probe', method: 'POST', path: '/video/users' },
        { file: 'probe', method: 'GET', path: '/video/app' },
      ],
      routes,
    );
    assert.equal(unknown.length, 2);
  });
});

describe('the documentation names only settings config.ts has', () => {
  const known = new Set(SETTINGS.map((s) => s.env));

  it('every SWITCHBOARD_* variable (and DATABASE_URL, REDIS_URL, LOG_LEVEL) a page names is a setting', () => {
    const unknown = pages.flatMap((page) =>
      settingMentions(page)
        .filter((name) => !known.has(name))
        .map((name) => `${page.file}: ${name}`),
    );
    assert.deepEqual(unknown, []);
  });

  it('a renamed setting is caught', () => {
    const page = { file: 'probe', text: 'set `SWITCHBOARD_SNAPSHOT_CACHE_SIZE` and `REDIS_URL`' };
    assert.deepEqual(
      settingMentions(page).filter((name) => !known.has(name)),
      ['SWITCHBOARD_SNAPSHOT_CACHE_SIZE'],
    );
  });
});

describe('the documentation names only error codes errors.ts has', () => {
  const codes = new Set<number>(Object.values(ErrorCode));

  it('every "code N" and errors-table row is an API error code, with its HTTP status', () => {
    const wrong = pages.flatMap((page) =>
      errorCodeMentions(page)
        .filter(({ code, status }) => {
          if (!codes.has(code)) return true;
          return status !== undefined && HttpStatusByErrorCode[code as ErrorCode] !== status;
        })
        .map(({ code, status }) => `${page.file}: code ${code}${status ? ` (${status})` : ''}`),
    );
    assert.deepEqual(wrong, []);
  });

  it('finds codes in prose and tables, and not WebSocket close codes or exit codes', () => {
    const page = {
      file: 'probe',
      text: 'answers 403 / code 17; closed with close code 4010; exit code 1\n| 16 | does not exist | 404 |',
    };
    assert.deepEqual(errorCodeMentions(page), [{ code: 17 }, { code: 16, status: 404 }]);
  });
});
