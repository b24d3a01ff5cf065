/**
 * Webhook delivery (issue 10): a node with its app webhook_url pointing at a local node:http receiver that answers
 * 200 at once, per database (SQLite file; PostgreSQL when reachable).
 *
 * - drain: BENCH_WEBHOOK_BACKLOG events (default 5000, over 100 calls) committed into the outbox at once; the
 *   deliveries per second until the receiver has them all (relay + worker + HTTP, end to end). Target ≥ 2000/s.
 * - lag: custom events sent over HTTP at BENCH_WEBHOOK_RATE per second (default 500) for BENCH_DURATION seconds;
 *   commit (`created_at`) → receiver has it, p50 / p99. Target p99 ≤ 50 ms.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import pg from 'pg';
import { Pool } from 'undici';
import { composeNode } from '../src/app/compose.js';
import { loadConfig } from '../src/app/config.js';
import type { PostgresOptions, SqliteOptions } from '../src/store/database.js';
import type { LoadSettings } from './support/settings.js';

export const name = 'webhook-delivery';
const POSTGRES_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

/**
 * The receiver runs in its own thread: a real receiver is another machine, so its HTTP parsing must not take the
 * event loop of the node under test (in one thread it capped what this measured). It answers 200 at once and posts
 * each event's id and lag (receipt time − the event's `created_at`, stamped at commit) back.
 */
const RECEIVER_THREAD = `
const { createServer } = require('node:http');
const { parentPort } = require('node:worker_threads');
const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const event = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    res.writeHead(200).end();
    parentPort.postMessage({ id: event.id, lagMs: Date.now() - Date.parse(event.created_at) });
  });
});
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => parentPort.postMessage({ port: server.address().port }));
`;

async function startReceiver(onEvent: (id: string, lagMs: number) => void) {
  const thread = new Worker(RECEIVER_THREAD, { eval: true, execArgv: [] });
  const [ready] = (await once(thread, 'message')) as [{ port: number }];
  thread.on('message', (m: { id: string; lagMs: number }) => onEvent(m.id, m.lagMs));
  return { url: `http://127.0.0.1:${ready.port}/hook`, stop: () => thread.terminate() };
}

async function postgresReachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

async function runOn(
  dialect: 'sqlite' | 'postgres',
  settings: LoadSettings,
  log: (line: string) => void,
): Promise<Record<string, unknown>> {
  const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-bench-wh-'));
  const schema = `bench_${randomBytes(4).toString('hex')}`;
  const database: SqliteOptions | PostgresOptions =
    dialect === 'sqlite'
      ? { kind: 'sqlite', file: join(dataDir, 'bench.db') }
      : { kind: 'postgres', url: POSTGRES_URL, schema, poolSize: 10 };
  const { config } = loadConfig(
    {},
    // The receiver is local: allow-listed like a receiver on a private network.
    { port: 0, host: '127.0.0.1', dataDir, logLevel: 'silent', outboundAllowPrivate: ['127.0.0.1'] },
  );
  const node = await composeNode({ config, database });
  const base = await node.listen();
  const seen = new Map<string, number>();
  let waiting: { count: number; done: () => void } | undefined;
  const receiver = await startReceiver((id, lagMs) => {
    if (!seen.has(id)) seen.set(id, lagMs);
    if (waiting && seen.size >= waiting.count) waiting.done();
  });
  const allSeen = (count: number) =>
    new Promise<void>((done) => {
      waiting = { count, done };
      if (seen.size >= count) done();
    });
  try {
    const q = `api_key=${node.apiKey}`;
    const { createServerToken } = await import('@switchboard/sdk');
    const headers = {
      authorization: await createServerToken(node.apiSecret),
      'stream-auth-type': 'jwt',
      'content-type': 'application/json',
    };
    // One bounded keep-alive pool, as a real load client would use (no connection per request).
    const pool = new Pool(base, { connections: 32, keepAliveTimeout: 4000 });
    const call = (method: string, path: string, body: unknown) =>
      pool
        .request({ method: method as 'POST', path: `${path}?${q}`, headers, body: JSON.stringify(body) })
        .then(async (r) => {
          const text = await r.body.text();
          if (r.statusCode >= 300) throw new Error(`${method} ${path}: ${r.statusCode} ${text}`);
        });
    await call('PATCH', '/api/v2/app', { webhook_url: receiver.url });
    await call('POST', '/api/v2/users', { users: { ben: { id: 'ben' } } });
    const calls = Array.from({ length: 50 }, (_, i) => `bench${i}`);
    for (const id of calls) await call('POST', `/api/v2/video/call/default/${id}`, { data: { created_by_id: 'ben' } });
    await allSeen(calls.length);

    // Drain: a backlog committed at once.
    const backlog = Number(process.env.BENCH_WEBHOOK_BACKLOG ?? 5000);
    log(`${name} [${dialect}]: draining ${backlog} events`);
    const before = seen.size;
    const now = new Date().toISOString();
    const rows = Array.from({ length: backlog }, (_, i) => {
      const id = randomUUID();
      const cid = `default:drain${i % 100}`;
      const event = { id, type: 'custom', created_at: now, call_cid: cid, custom: { i } };
      return { event_type: 'custom', call_cid: cid, payload: JSON.stringify(event), created_at: now, event_id: id };
    });
    const started = performance.now();
    await node.ctx.store.transaction(async (tx) => {
      for (let i = 0; i < rows.length; i += 500) {
        await tx.db
          .insertInto('outbox')
          .values(rows.slice(i, i + 500).map((r) => ({ ...r, relayed_at: null })))
          .execute();
      }
    });
    node.ctx.bus.publish(JSON.parse(rows[0]?.payload ?? '{}')); // rings the relay, as a commit does
    await allSeen(before + backlog);
    const drainS = (performance.now() - started) / 1000;

    // Lag at a steady rate.
    const rate = Number(process.env.BENCH_WEBHOOK_RATE ?? 500);
    log(`${name} [${dialect}]: ${rate} events/s for ${settings.durationS} s`);
    const lagStart = seen.size;
    const total = Math.round(rate * settings.durationS);
    const sent: Promise<void>[] = [];
    const t0 = performance.now();
    for (let i = 0; i < total; i++) {
      const due = t0 + (i * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      sent.push(
        call('POST', `/api/v2/video/call/default/${calls[i % calls.length]}/event`, { user_id: 'ben', custom: { i } }),
      );
    }
    await Promise.all(sent);
    const achievedRate = total / ((performance.now() - t0) / 1000);
    await allSeen(lagStart + total);
    const lags = [...seen.values()].slice(lagStart).sort((a, b) => a - b);
    return {
      dialect,
      drain_events: backlog,
      drain_deliveries_per_s: Math.round(backlog / drainS),
      lag_events: total,
      lag_rate_per_s: Math.round(achievedRate),
      lag_p50_ms: percentile(lags, 50),
      lag_p99_ms: percentile(lags, 99),
      lag_max_ms: lags.at(-1),
      targets: { deliveries_per_s: 2000, lag_p99_ms: 50 },
    };
  } finally {
    await node.close();
    await receiver.stop();
    if (dialect === 'postgres') {
      const admin = new pg.Client({ connectionString: POSTGRES_URL });
      await admin.connect();
      await admin.query(`drop schema if exists "${schema}" cascade`);
      await admin.end();
    }
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function run(settings: LoadSettings, log: (line: string) => void): Promise<Record<string, unknown>> {
  const results = [await runOn('sqlite', settings, log)];
  if (await postgresReachable()) results.push(await runOn('postgres', settings, log));
  else log(`${name}: PostgreSQL unreachable, SQLite only`);
  return { name, results };
}
