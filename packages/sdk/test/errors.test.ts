import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { ErrorCode, SwitchboardClient, SwitchboardError } from '../src/index.js';
import { type FakeServer, json, startFakeServer } from './fake-server.js';

let fake: FakeServer;
let client: SwitchboardClient;

before(async () => {
  fake = await startFakeServer();
  // The default timeout: these tests get answers, and a loaded machine must not turn an answer into a timeout.
  client = new SwitchboardClient('app-key', 'errors-test-secret', { baseUrl: fake.baseUrl });
});
after(() => fake.close());
beforeEach(() => {
  fake.reply = json(200, { duration: '0.01ms' });
});

async function caught(promise: Promise<unknown>): Promise<SwitchboardError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof SwitchboardError, `expected SwitchboardError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the request to fail');
}

describe('API errors', () => {
  it('a 400 API error body becomes a SwitchboardError with code, status and exceptionFields', async () => {
    const body = {
      code: 4,
      message: 'GetOrCreateCall failed with error: "data.members[0].user_id is invalid"',
      StatusCode: 400,
      duration: '0.10ms',
      more_info: '',
      details: [],
      exception_fields: { 'data.members[0].user_id': 'must match pattern' },
    };
    fake.reply = json(400, body);
    const err = await caught(client.video.call('default', 'x').getOrCreate());
    assert.equal(err.name, 'SwitchboardError');
    assert.equal(err.code, ErrorCode.InputError);
    assert.equal(err.status, 400);
    assert.equal(err.message, body.message);
    assert.deepEqual(err.exceptionFields, body.exception_fields);
    assert.deepEqual(err.body, body);
    assert.equal(err.unrecoverable, false);
  });

  it('a 404 without exception_fields has an empty map', async () => {
    fake.reply = json(404, { code: 16, message: 'GetCall failed with error: "call not found"', StatusCode: 404 });
    const err = await caught(client.video.call('default', 'gone').get());
    assert.equal(err.code, ErrorCode.DoesNotExist);
    assert.equal(err.status, 404);
    assert.deepEqual(err.exceptionFields, {});
  });

  it('a non-API error body gets code -1 and keeps the raw text', async () => {
    fake.reply = (_req, res) => {
      res.writeHead(502, { 'Content-Type': 'text/html' });
      res.end('<h1>Bad gateway</h1>');
    };
    const err = await caught(client.video.listCallTypes());
    assert.equal(err.code, -1);
    assert.equal(err.status, 502);
    assert.equal(err.body, '<h1>Bad gateway</h1>');
    assert.match(err.message, /502/);
  });

  it('a 2xx that is not JSON is an error too', async () => {
    fake.reply = (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end('ok');
    };
    const err = await caught(client.video.listCallTypes());
    assert.equal(err.code, -1);
    assert.equal(err.status, 200);
  });

  it('an empty 204 resolves to {}', async () => {
    fake.reply = (_req, res) => {
      res.writeHead(204);
      res.end();
    };
    assert.deepEqual(await client.video.deleteCallType('x'), {});
  });
});

describe('transport errors', () => {
  it('a timeout rejects with code -1 and status 0', async () => {
    // A server that accepts the connection and never answers: the timeout is the only way the request can end,
    // so the outcome does not depend on how fast this machine is.
    const silent = await startSilentServer();
    try {
      const impatient = new SwitchboardClient('app-key', 'secret', { baseUrl: silent.baseUrl, timeoutMs: 50 });
      const err = await caught(impatient.video.listCallTypes());
      assert.equal(err.code, -1);
      assert.equal(err.status, 0);
      assert.match(err.message, /timed out after 50 ms/);
      assert.equal((err.cause as Error).name, 'TimeoutError');
    } finally {
      await silent.close();
    }
  });

  it('a refused connection rejects with code -1 and status 0', async () => {
    const port = await freePort();
    const offline = new SwitchboardClient('app-key', 'secret', { baseUrl: `http://127.0.0.1:${port}` });
    const err = await caught(offline.queryUsers());
    assert.equal(err.code, -1);
    assert.equal(err.status, 0);
    assert.ok(err.cause instanceof Error);
  });
});

/** A TCP server that accepts connections and never writes a byte. */
async function startSilentServer(): Promise<{ baseUrl: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  assert.ok(address && typeof address === 'object');
  return {
    baseUrl: `http://127.0.0.1:${address.port}`,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A port that was free a moment ago (bound then released), so connecting to it is refused. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  assert.ok(address && typeof address === 'object');
  await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
  return address.port;
}
