/**
 * CORS over raw HTTP: the preflight a browser sends before every SDK call (it always sends Authorization,
 * stream-auth-type and a JSON content type) is answered for the configured origins, and actual responses carry
 * the Access-Control headers. The browser itself is in test/browser/.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/app/config.js';
import { testDialects } from '../support/databases.js';
import { startTestNode, type TestNode } from '../support/test-node.js';

const [dialect] = await testDialects();
const PAGE = 'http://127.0.0.1:5173';

function preflight(node: TestNode, origin: string, path = '/video/call/default/c1/join') {
  return fetch(new URL(path, node.baseUrl), {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization,stream-auth-type,content-type',
    },
  });
}

describe('CORS with the default setting (any origin)', () => {
  let node: TestNode;
  before(async () => {
    node = await startTestNode(dialect ?? 'sqlite');
  });
  after(() => node.stop());

  it('answers the preflight with 204, before authentication, allowing the headers the SDK sends', async () => {
    const res = await preflight(node, PAGE);
    assert.equal(res.status, 204);
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
    const allowed = (res.headers.get('access-control-allow-headers') ?? '').toLowerCase().split(/,\s*/);
    for (const header of ['authorization', 'stream-auth-type', 'content-type']) assert.ok(allowed.includes(header));
    assert.match(res.headers.get('access-control-allow-methods') ?? '', /POST/);
    assert.equal(res.headers.get('access-control-allow-credentials'), null, 'never credentialed: tokens are headers');
  });

  it('marks actual answers, errors included, as readable by the page', async () => {
    const ok = await fetch(new URL('/healthz', node.baseUrl), { headers: { origin: PAGE } });
    assert.equal(ok.headers.get('access-control-allow-origin'), '*');
    const denied = await fetch(new URL('/video/call/default/c1', node.baseUrl), { headers: { origin: PAGE } });
    assert.equal(denied.status, 401);
    assert.equal(denied.headers.get('access-control-allow-origin'), '*');
  });
});

describe('CORS with a list of origins', () => {
  let node: TestNode;
  before(async () => {
    // Spaces around the commas, as people write lists: each origin still matches exactly.
    node = await startTestNode(dialect ?? 'sqlite', { config: { corsOrigins: ` ${PAGE} , https://app.example.com ` } });
  });
  after(() => node.stop());

  it('allows every listed origin and no other', async () => {
    for (const origin of [PAGE, 'https://app.example.com']) {
      const listed = await preflight(node, origin);
      assert.equal(listed.status, 204);
      assert.equal(listed.headers.get('access-control-allow-origin'), origin);
      assert.match(listed.headers.get('vary') ?? '', /Origin/i);
    }
    const other = await preflight(node, 'https://evil.example.com');
    assert.equal(other.headers.get('access-control-allow-origin'), null);
  });
});

describe('SWITCHBOARD_CORS_ORIGINS', () => {
  it('takes *, none or a list of origins, and refuses what is not an origin', () => {
    const load = (value: string) => loadConfig({ SWITCHBOARD_CORS_ORIGINS: value }).config.corsOrigins;
    assert.equal(loadConfig({}).config.corsOrigins, '*');
    assert.equal(load('none'), 'none');
    assert.equal(load('https://a.example.com,http://localhost:5173'), 'https://a.example.com,http://localhost:5173');
    assert.equal(
      load(' https://a.example.com , http://localhost:5173 '),
      'https://a.example.com,http://localhost:5173',
    );
    assert.throws(() => load('https://a.example.com,,http://localhost:5173'), /SWITCHBOARD_CORS_ORIGINS: ""/);
    assert.throws(() => load('https://a.example.com/app'), /SWITCHBOARD_CORS_ORIGINS: "https:\/\/a.example.com\/app"/);
    assert.throws(() => load('a.example.com'), /not an origin/);
  });
});
