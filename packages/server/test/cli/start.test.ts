/** The curl tour's path, end to end: `switchboard start`, mint a server token, GetOrCreate over raw HTTP. */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { runCli, startCli, stopChild, tempDataDir } from './run-cli.js';

describe('switchboard start', () => {
  const data = tempDataDir();
  const env = { SWITCHBOARD_DATA_DIR: data.dir, PORT: '0', LOG_LEVEL: 'silent' };
  let child: ChildProcess | undefined;
  let address = '';
  let printed = '';

  before(async () => {
    const started = await startCli(env);
    child = started.child;
    address = started.address;
    printed = started.stdout();
  });
  after(async () => {
    if (child) assert.equal(await stopChild(child), 0, 'exits cleanly on SIGTERM');
    data.remove();
  });

  it('prints the generated API key and secret and answers /healthz', async () => {
    assert.match(printed, /API key: +[0-9a-f]+/);
    assert.match(printed, /API secret: +[A-Za-z0-9_-]{20,}/);
    const res = await fetch(new URL('/healthz', address));
    assert.equal(res.status, 200);
  });

  it('accepts a server token minted by `token mint` from the same data dir', async () => {
    const apiKey = /API key: +(\S+)/.exec(printed)?.[1] ?? '';
    const { code, stdout } = await runCli(['token', 'mint', '--server'], env);
    assert.equal(code, 0);
    const headers = { authorization: stdout.trim(), 'stream-auth-type': 'jwt', 'content-type': 'application/json' };
    const post = (path: string, body: unknown) => {
      const url = new URL(path, address);
      url.searchParams.set('api_key', apiKey);
      return fetch(url, { method: 'POST', headers, body: JSON.stringify(body) });
    };
    const users = await post('/api/v2/users', { users: { 'cli-admin': { id: 'cli-admin' } } });
    assert.equal(users.status, 200, await users.text());
    const res = await post('/api/v2/video/call/default/cli-quick-start', { data: { created_by_id: 'cli-admin' } });
    const body = (await res.json()) as { created?: boolean; call?: { cid?: string } };
    assert.equal(res.status, 200, JSON.stringify(body));
    assert.equal(body.created, true);
    assert.equal(body.call?.cid, 'default:cli-quick-start');
  });
});

describe('switchboard start with credentials it did not generate', () => {
  it('never prints a secret it loaded from the data dir or the environment', async () => {
    const data = tempDataDir();
    const env = { SWITCHBOARD_DATA_DIR: data.dir, PORT: '0', LOG_LEVEL: 'silent' };
    try {
      const first = await startCli(env);
      assert.equal(await stopChild(first.child), 0);
      const secret = /API secret: +(\S+)/.exec(first.stdout())?.[1] ?? '';
      assert.ok(secret.length >= 20, `the first start shows the generated secret: ${first.stdout()}`);

      const again = await startCli(env);
      assert.equal(await stopChild(again.child), 0);
      assert.ok(!again.stdout().includes(secret), `a restart must not print the secret:\n${again.stdout()}`);
      assert.match(again.stdout(), /API secret: not shown \(kept in /);
      assert.match(again.stdout(), /API key: +[0-9a-f]+/);

      const fromEnv = await startCli({
        ...env,
        SWITCHBOARD_API_KEY: 'env-key',
        SWITCHBOARD_API_SECRET: 'env-secret-value',
      });
      assert.equal(await stopChild(fromEnv.child), 0);
      assert.ok(!fromEnv.stdout().includes('env-secret-value'), fromEnv.stdout());
      assert.match(fromEnv.stdout(), /API secret: not shown \(from SWITCHBOARD_API_SECRET\)/);
    } finally {
      data.remove();
    }
  });
});
