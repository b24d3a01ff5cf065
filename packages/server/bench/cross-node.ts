/**
 * Cross-node event latency (issue 11): two `switchboard start` processes on one PostgreSQL schema and one Redis.
 * Requests (custom events, server token) go to node B at a fixed open-loop rate; a WebSocket client on node A and
 * one on node B (the same user, a member of the calls) receive each event. Latency is from the request leaving to
 * the event arriving: on A it is the cross-node path (commit on B, Redis, routing on A); on B the same request
 * without the Redis hop, the baseline it is compared with; `hop_a_after_b` is, per event, its arrival on A minus its
 * arrival on B: what crossing nodes adds, independent of how long node B took to answer the request.
 *
 * Target: cross-node p99 at most 5 ms above same-node p99 (`cross_minus_same_p99_ms`), every event received.
 * `acknowledged_per_s` and `request` tell whether node B absorbed the rate (BENCH_CROSS_NODE_RATE=1000 checks the
 * write path at 1,000 events/s; the event-write benchmark measures its ceiling).
 *
 * Settings: BENCH_CROSS_NODE_RATE (events/s, default 300), BENCH_CPU_PROF (see support/switchboard-node.ts), BENCH_DURATION / BENCH_WARMUP (seconds), BENCH_REDIS_URL
 * (default redis://127.0.0.1:6379), BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test).
 */
import { randomBytes } from 'node:crypto';
import { availableParallelism, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { createServerToken, createUserToken } from '@switchboard/sdk';
import pg from 'pg';
import { Agent, request } from 'undici';
import WebSocket from 'ws';
import type { LoadSettings } from './support/settings.js';
import { startNode, stopNode } from './support/switchboard-node.js';

export const name = 'cross-node';
/** What crossing nodes may add to the p99 of the same-node path. */
const TARGET_ADDED_P99_MS = 5;
const CALLS = 10;

/** Connects as `userId` and calls `onEvent` with each custom event's sequence number and arrival time. */
function connectClient(
  url: string,
  apiKey: string,
  token: string,
  userId: string,
  onEvent: (seq: number, at: number) => void,
) {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/video/connect?api_key=${apiKey}&stream-auth-type=jwt`);
  return new Promise<WebSocket>((resolve, reject) => {
    ws.once('error', reject);
    ws.once('open', () => ws.send(JSON.stringify({ token, products: ['video'], user_details: { id: userId } })));
    ws.on('message', (data) => {
      const at = performance.now();
      const message = JSON.parse(data.toString()) as { type: string; custom?: { s?: number } };
      if (message.type === 'connection.ok') resolve(ws);
      else if (message.type === 'custom' && typeof message.custom?.s === 'number') onEvent(message.custom.s, at);
    });
  });
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}
const round2 = (x: number) => Math.round(x * 100) / 100;

export async function run(settings: LoadSettings, log: (line: string) => void): Promise<Record<string, unknown>> {
  const rate = Number(process.env.BENCH_CROSS_NODE_RATE ?? 300);
  const redisUrl = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const databaseUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const schema = `bench_${randomBytes(5).toString('hex')}`;
  const apiKey = `bench-${randomBytes(4).toString('hex')}`;
  const apiSecret = randomBytes(24).toString('hex');
  const url = new URL(databaseUrl);
  url.searchParams.set('schema', schema);
  const env = {
    DATABASE_URL: url.toString(),
    REDIS_URL: redisUrl,
    SWITCHBOARD_API_KEY: apiKey,
    SWITCHBOARD_API_SECRET: apiSecret,
    SWITCHBOARD_DATA_DIR: `/tmp/${schema}`,
    // The load is the benchmark's own: no rate limit may shape it.
    SWITCHBOARD_RATE_LIMIT_API_KEY_WRITES: '0',
  };
  log(`cross-node: starting two nodes (schema ${schema})`);
  const a = await startNode(env, 'node-a');
  const b = await startNode(env, 'node-b');
  const agent = new Agent({ connections: 64, pipelining: 1 });
  const serverToken = await createServerToken(apiSecret);
  const userId = 'bench-watcher';
  const sockets: WebSocket[] = [];
  try {
    const post = async (path: string, body: unknown) => {
      const res = await request(`${b.url}${path}?api_key=${apiKey}`, {
        method: 'POST',
        dispatcher: agent,
        headers: { authorization: serverToken, 'stream-auth-type': 'jwt', 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      const text = await res.body.text();
      if (res.statusCode !== 200) throw new Error(`POST ${path}: ${res.statusCode} ${text}`);
    };
    await post('/api/v2/users', { users: { [userId]: { id: userId } } });
    const ids = Array.from({ length: CALLS }, (_, i) => `cross-${i}`);
    for (const id of ids) {
      await post(`/api/v2/video/call/default/${id}`, {
        data: { created_by_id: userId, members: [{ user_id: userId }] },
      });
    }
    const sentAt = new Map<number, number>();
    const latencies = { a: [] as number[], b: [] as number[] };
    let measureFrom = Number.POSITIVE_INFINITY;
    const token = await createUserToken(apiSecret, { user_id: userId });
    // The hop: arrival on A minus arrival of the same event on B (the Redis round and A's routing, without B's
    // request handling, which both clients share).
    const arrivals = { a: new Map<number, number>(), b: new Map<number, number>() };
    const hops: number[] = [];
    const record = (which: 'a' | 'b') => (seq: number, at: number) => {
      const sent = sentAt.get(seq);
      if (sent === undefined || seq < measureFrom) return;
      latencies[which].push(at - sent);
      const other = which === 'a' ? arrivals.b.get(seq) : arrivals.a.get(seq);
      if (other === undefined) arrivals[which].set(seq, at);
      else hops.push(which === 'a' ? at - other : other - at);
    };
    sockets.push(await connectClient(a.url, apiKey, token, userId, record('a')));
    sockets.push(await connectClient(b.url, apiKey, token, userId, record('b')));

    let seq = 0;
    let failures = 0;
    // Response times of the measured requests answered 200: how many events/s node B acknowledged.
    const acknowledged: number[] = [];
    const send = (s: number) => {
      const id = ids[s % CALLS] as string;
      sentAt.set(s, performance.now());
      request(`${b.url}/api/v2/video/call/default/${id}/event?api_key=${apiKey}`, {
        method: 'POST',
        dispatcher: agent,
        headers: { authorization: serverToken, 'stream-auth-type': 'jwt', 'content-type': 'application/json' },
        body: JSON.stringify({ user_id: userId, custom: { s } }),
      }).then(
        async (res) => {
          await res.body.text();
          if (res.statusCode !== 200) failures++;
          else if (s >= measureFrom) acknowledged.push(performance.now() - (sentAt.get(s) as number));
        },
        () => failures++,
      );
    };
    const totalS = settings.warmupS + settings.durationS;
    log(`cross-node: ${rate} events/s to node B for ${settings.warmupS}+${settings.durationS} s`);
    const started = performance.now();
    await new Promise<void>((resolve) => {
      // Open loop: every tick sends what the schedule says is due, whatever the responses do.
      const timer = setInterval(() => {
        const elapsed = (performance.now() - started) / 1000;
        if (elapsed >= settings.warmupS && measureFrom === Number.POSITIVE_INFINITY) measureFrom = seq;
        const due = Math.floor(Math.min(elapsed, totalS) * rate);
        while (seq < due) send(seq++);
        if (elapsed >= totalS) {
          clearInterval(timer);
          resolve();
        }
      }, 5);
    });
    // Let the last events arrive (bounded).
    const sentMeasured = seq - measureFrom;
    log(`cross-node: sent ${seq}, received ${latencies.a.length} measured on A so far`);
    const deadline = performance.now() + 5000;
    while (latencies.a.length < sentMeasured && performance.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const summary = (xs: number[]) => {
      const sorted = [...xs].sort((x, y) => x - y);
      return {
        received: sorted.length,
        p50_ms: round2(percentile(sorted, 50)),
        p99_ms: round2(percentile(sorted, 99)),
        max_ms: round2(sorted[sorted.length - 1] ?? Number.NaN),
      };
    };
    const cross = summary(latencies.a);
    const local = summary(latencies.b);
    return {
      name,
      rate_per_s: rate,
      measured_s: settings.durationS,
      sent: sentMeasured,
      failed_requests: failures,
      // Answered 200 before the run ended (+ the bounded wait for the last events), per measured second.
      acknowledged_per_s: Math.round(acknowledged.length / settings.durationS),
      request: summary(acknowledged),
      cross_node: cross,
      same_node: local,
      hop_a_after_b: summary(hops),
      cross_minus_same_p99_ms: round2(cross.p99_ms - local.p99_ms),
      target_added_p99_ms: TARGET_ADDED_P99_MS,
      met: cross.p99_ms - local.p99_ms <= TARGET_ADDED_P99_MS && cross.received === sentMeasured,
      machine: { cpus: availableParallelism(), loadavg_1m: round2(loadavg()[0] ?? 0) },
    };
  } finally {
    for (const ws of sockets) ws.close();
    await agent.destroy(); // requests still queued at an overloaded node are abandoned, not awaited
    await Promise.all([stopNode(a), stopNode(b)]);
    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    await db.query(`drop schema if exists "${schema}" cascade`);
    await db.end();
  }
}
