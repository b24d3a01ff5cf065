/**
 * Floods are refused cheaply (issue 8, finding 11): rate limits per endpoint group and per API key / user with
 * `X-RateLimit-*` headers and 429 / code 9; slow headers and slow bodies are cut; connections past the cap are
 * dropped; `/healthz` is never rate limited.
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { TestSocket } from '../realtime/support.js';
import { assertApiError, seedUsers } from '../support/api-assert.js';
import { testDialects } from '../support/databases.js';
import { raw } from '../support/raw-http.js';
import { startTestNode, type TestNode } from '../support/test-node.js';

interface Limited {
  status: number;
  body: Record<string, unknown>;
  limit: string | null;
  remaining: string | null;
  reset: string | null;
}

async function request(t: TestNode, method: string, path: string, token: string, body?: unknown): Promise<Limited> {
  const url = new URL(path, t.baseUrl);
  url.searchParams.set('api_key', t.apiKey);
  const res = await fetch(url, {
    method,
    headers: {
      authorization: token,
      'stream-auth-type': 'jwt',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return {
    status: res.status,
    body: (await res.json()) as Record<string, unknown>,
    limit: res.headers.get('x-ratelimit-limit'),
    remaining: res.headers.get('x-ratelimit-remaining'),
    reset: res.headers.get('x-ratelimit-reset'),
  };
}

for (const dialect of await testDialects()) {
  describe(`rate limits [${dialect}]`, () => {
    let t: TestNode;
    before(async () => {
      t = await startTestNode(dialect, {
        config: {
          rateLimitUserReads: 5,
          rateLimitUserQueries: 3,
          rateLimitUserConnects: 2,
          rateLimitApiKeyWrites: 30,
        },
      });
      await seedUsers(t, 'flood-a', 'flood-b', 'flood-c');
      const res = await raw(t, 'POST', '/api/v2/video/call/default/flood', {
        body: { data: { created_by_id: 'flood-a', members: [{ user_id: 'flood-a' }, { user_id: 'flood-b' }] } },
      });
      assert.equal(res.status, 200, String(res.body.message));
    });
    after(() => t.stop());

    it('counts a user’s reads, answers X-RateLimit-* headers, then 429 with code 9 in the API error shape', async () => {
      const token = await t.userToken('flood-a');
      for (let i = 0; i < 5; i++) {
        const res = await request(t, 'GET', '/api/v2/video/call/default/flood', token);
        assert.equal(res.status, 200, String(res.body.message));
        assert.equal(res.limit, '5');
        assert.equal(res.remaining, String(4 - i));
        assert.ok(Number(res.reset) > 0 && Number(res.reset) <= 60, `reset in seconds, got ${res.reset}`);
      }
      const refused = await request(t, 'GET', '/api/v2/video/call/default/flood', token);
      assertApiError(refused, 429, 9, { operation: 'GetCall', mentions: 'rate limit' });
      assert.equal(refused.limit, '5');
      assert.equal(refused.remaining, '0');
      assert.ok(Number(refused.reset) > 0);

      // Another user has their own budget; the same user's other groups too.
      const other = await request(t, 'GET', '/api/v2/video/call/default/flood', await t.userToken('flood-b'));
      assert.equal(other.status, 200);
      assert.equal(other.remaining, '4');
      const query = await request(t, 'POST', '/api/v2/video/calls', token, {});
      assert.equal(query.status, 200, String(query.body.message));
      assert.equal(query.limit, '3', 'queries have their own limit');
    });

    it('limits Query* per user, and server tokens per API key', async () => {
      const token = await t.userToken('flood-c');
      for (let i = 0; i < 3; i++)
        assert.equal((await request(t, 'POST', '/api/v2/video/calls', token, {})).status, 200);
      assertApiError(await request(t, 'POST', '/api/v2/video/calls', token, {}), 429, 9, { operation: 'QueryCalls' });

      // Server reads are not limited here (limit of the API key is the generous default); writes are, at 30.
      const server = await request(t, 'GET', '/api/v2/video/call/default/flood', t.serverToken);
      assert.equal(server.status, 200);
      assert.ok(Number(server.limit) > 1000, 'server tokens have the API key budget');
      let refused: Limited | undefined;
      for (let i = 0; i < 31 && !refused; i++) {
        const res = await request(t, 'POST', `/api/v2/video/call/default/flood-w${i}`, t.serverToken, {
          data: { created_by_id: 'flood-a' },
        });
        if (res.status === 429) refused = res;
        else assert.equal(res.status, 200, String(res.body.message));
      }
      assert.ok(refused, 'the 31st write of the API key is refused');
      assertApiError(refused, 429, 9, { operation: 'GetOrCreateCall' });
    });

    it('limits realtime connects per user with connection.error code 9', async () => {
      const first = await TestSocket.connect(t, 'flood-b');
      const second = await TestSocket.connect(t, 'flood-b');
      const third = await TestSocket.open(t);
      third.send({ token: await t.userToken('flood-b'), products: ['video'], user_details: { id: 'flood-b' } });
      const error = await third.next((m) => m.type === 'connection.error', 'connection.error');
      assert.equal((error.error as { code: number }).code, 9);
      assert.equal((await third.closed).code, 1000);
      await Promise.all([first.close(), second.close()]);
    });

    it('never limits /healthz', async () => {
      for (let i = 0; i < 30; i++) {
        const res = await fetch(new URL('/healthz', t.baseUrl));
        assert.equal(res.status, 200);
        assert.equal(res.headers.get('x-ratelimit-limit'), null);
        await res.arrayBuffer();
      }
    });
  });
}

/** Resolves when the server closes `socket`, with what it sent before closing. */
function closedBy(socket: Socket): Promise<string> {
  return new Promise((resolve) => {
    let got = '';
    socket.on('data', (d) => {
      got += d.toString();
    });
    socket.on('close', () => resolve(got));
    socket.on('error', () => {});
  });
}

function open(t: TestNode): Promise<Socket> {
  const { hostname, port } = new URL(t.baseUrl);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => resolve(socket));
    socket.once('error', reject);
  });
}

async function healthz(t: TestNode): Promise<number> {
  const res = await fetch(new URL('/healthz', t.baseUrl));
  await res.arrayBuffer();
  return res.status;
}

describe('slow clients and the connection cap', () => {
  let t: TestNode;
  before(async () => {
    t = await startTestNode('sqlite', {
      config: { headersTimeoutMs: 1000, requestTimeoutMs: 2000, keepAliveTimeoutMs: 1000, maxConnections: 40 },
    });
  });
  after(() => t.stop());

  // How soon a cut comes is a timing claim, measured by `npm run bench hostile-soak` (slow_bodies.longest_open_s).
  // Here: the configured timeouts are the server's, and a slow client is cut by them (408) before it finished.
  it('cuts a body trickled one byte at a time once the request timeout passes', async () => {
    assert.equal(t.node.app.server.requestTimeout, 2000, 'the configured request timeout is the server’s');
    const socket = await open(t);
    const closed = closedBy(socket);
    socket.write(
      `POST /api/v2/video/calls?api_key=${t.apiKey} HTTP/1.1\r\nHost: x\r\nAuthorization: ${t.serverToken}\r\nstream-auth-type: jwt\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n`,
    );
    let sent = 0;
    let open_ = true;
    void closed.then(() => {
      open_ = false;
    });
    // Until the server cuts it, or the body is complete (which fails below: then nothing was cut).
    while (open_ && sent < 1000) {
      socket.write('{');
      sent++;
      assert.equal(await healthz(t), 200, '/healthz answers meanwhile');
      await Promise.race([delay(250), closed]);
    }
    const answer = await closed;
    assert.ok(sent < 1000, `cut before the body was complete (${sent} of 1000 bytes sent)`);
    assert.match(answer, /^HTTP\/1.1 408/, 'answered 408 Request Timeout');
  });

  it('cuts headers that never finish', async () => {
    assert.equal(t.node.app.server.headersTimeout, 1000, 'the configured headers timeout is the server’s');
    const socket = await open(t);
    const closed = closedBy(socket);
    socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
    // The headers never end: only the server can close this socket, and only a timeout makes it.
    const timer = setInterval(() => socket.write('X-Slow: 1\r\n'), 200);
    let answer: string;
    try {
      answer = await closed;
    } finally {
      clearInterval(timer);
    }
    assert.match(answer, /^HTTP\/1.1 408/, 'answered 408 Request Timeout');
  });

  it('drops connections past the cap, and accepts again once they close', async () => {
    const server = t.node.app.server;
    const connections = () => new Promise<number>((resolve) => server.getConnections((_e, n) => resolve(n)));
    for (let i = 0; i < 100 && (await connections()) > 0; i++) await delay(50); // earlier keep-alives close
    assert.equal(await connections(), 0);
    const held: Socket[] = [];
    try {
      for (let i = 0; i < 40; i++) held.push(await open(t));
      const extra = await open(t); // the TCP handshake completes; the server then destroys the socket
      await closedBy(extra);
      assert.ok(
        held.every((s) => !s.destroyed && s.readyState === 'open'),
        'the extra socket was dropped for the cap, not by a timeout (the older ones are still open)',
      );
      for (const s of held) s.destroy();
      held.length = 0;
      let status = 0;
      for (let i = 0; i < 50 && status !== 200; i++) {
        status = await healthz(t).catch(() => 0);
        if (status !== 200) await delay(50);
      }
      assert.equal(status, 200, '/healthz answers once the held connections are gone');
    } finally {
      for (const s of held) s.destroy();
    }
  });
});
