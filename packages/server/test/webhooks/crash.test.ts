/**
 * Crash test (issue 10): a server child process under a steady write load is killed with SIGKILL several times at
 * random moments and restarted; afterwards every event whose write was answered 2xx has reached the receiver.
 * Nothing committed is lost; duplicates are allowed (at least once) and reported. SQLite (the file survives the
 * process); on PostgreSQL a killed node's claims are taken over when their lease (the node TTL) runs out, which
 * test/webhooks/node-kill-lease.test.ts covers.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { Receiver } from './receiver.js';

const ROOT = resolve(import.meta.dirname, '../../../..');

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  return port;
}

describe('webhooks survive kill -9 [sqlite]', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-crash-'));
  const apiKey = `key-${randomBytes(4).toString('hex')}`;
  const apiSecret = randomBytes(24).toString('hex');
  let child: ChildProcess | undefined;
  let receiver: Receiver | undefined;
  after(async () => {
    child?.kill('SIGKILL');
    await receiver?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('delivers every 2xx-acknowledged event across several SIGKILLs', { timeout: 240_000 }, async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      SWITCHBOARD_API_KEY: apiKey,
      SWITCHBOARD_API_SECRET: apiSecret,
      SWITCHBOARD_DATA_DIR: dataDir,
      LOG_LEVEL: 'error',
      SWITCHBOARD_WEBHOOK_RETRY_SCHEDULE_MS: '50,100,200,400,800,1600,3200,6400',
      SWITCHBOARD_OUTBOUND_ALLOW_PRIVATE: '127.0.0.1', // the receiver listens on loopback
    };
    delete env.DATABASE_URL;
    const start = async () => {
      const proc = spawn(
        process.execPath,
        ['--conditions=switchboard-source', '--import', 'tsx', 'packages/server/src/main.ts'],
        {
          cwd: ROOT,
          env,
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      );
      let out = '';
      await new Promise<void>((ready, fail) => {
        proc.stdout?.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('Switchboard listening')) ready();
        });
        proc.once('exit', (code) => fail(new Error(`server exited (${code}) before listening: ${out}`)));
      });
      return proc;
    };
    const token = await new SignJWT({ server: true })
      .setProtectedHeader({ alg: 'HS256' })
      .sign(new TextEncoder().encode(apiSecret));
    const send = (method: string, path: string, body: unknown) =>
      fetch(`${base}${path}?api_key=${apiKey}`, {
        method,
        headers: { authorization: token, 'stream-auth-type': 'jwt', 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(5000),
      });

    receiver = await Receiver.start();
    child = await start();
    assert.equal((await send('PATCH', '/api/v2/app', { webhook_url: receiver.url })).status, 200);
    assert.equal((await send('POST', '/api/v2/users', { users: { kim: { id: 'kim' } } })).status, 200);
    const calls = ['c0', 'c1', 'c2', 'c3'];
    for (const id of calls) {
      const res = await send('POST', `/api/v2/video/call/default/${id}`, { data: { created_by_id: 'kim' } });
      assert.equal(res.status, 200);
    }

    // Steady load: writers post numbered custom events; a 2xx answer means the event committed.
    const acknowledged = new Set<number>();
    let next = 0;
    let stopped = false;
    const writer = async (w: number) => {
      while (!stopped) {
        const n = next++;
        try {
          const res = await send('POST', `/api/v2/video/call/default/${calls[w % calls.length]}/event`, {
            user_id: 'kim',
            custom: { n },
          });
          if (res.status < 300) acknowledged.add(n);
          await res.arrayBuffer();
        } catch {
          await new Promise((r) => setTimeout(r, 50)); // server down: try again shortly (load pacing, not sync)
        }
      }
    };
    const writers = Promise.all([0, 1, 2, 3].map(writer));

    for (let kill = 0; kill < 3; kill++) {
      const target = acknowledged.size + 20 + Math.floor(Math.random() * 60);
      // Waiting on the load itself: how many writes were acknowledged decides the (random) moment of the kill.
      while (acknowledged.size < target) await new Promise((r) => setTimeout(r, 20));
      const proc = child as ChildProcess;
      proc.kill('SIGKILL');
      await once(proc, 'exit');
      child = await start();
    }
    const target = acknowledged.size + 30;
    while (acknowledged.size < target) await new Promise((r) => setTimeout(r, 20));
    stopped = true;
    await writers;

    const delivered = () => new Set(receiver?.received.filter((r) => r.status === 200).map((r) => r.event.custom?.n));
    await receiver.until(
      `all ${acknowledged.size} acknowledged events`,
      () => [...acknowledged].every((n) => delivered().has(n)),
      60_000,
    );
    const customs = receiver.received.filter((r) => r.event.type === 'custom');
    const duplicates = customs.length - new Set(customs.map((r) => r.headers['x-webhook-id'])).size;
    console.log(`# crash test: ${acknowledged.size} acknowledged, all delivered; ${duplicates} duplicate deliveries`);
    for (const n of acknowledged) assert.ok(delivered().has(n), `event ${n} delivered`);
  });
});
