/**
 * The custom-event write path on PostgreSQL: how many custom events per second one `switchboard start` node (on
 * PostgreSQL, with Redis as its bus) acknowledges, closed loop with BENCH_CONNECTIONS requests in flight. Every
 * acknowledged event has committed its outbox row (group commit, docs/benchmarks.md) and been handed to Redis.
 *
 * Baseline, measured in the same run on the same node: GetCall of the same call (served from the node's call
 * snapshot, no SQL): what one request costs the node on this machine right now, whatever else runs on it.
 * `ratio` = events/s ÷ baseline requests/s; the target is `events_per_s` ≥ 1,000.
 *
 * Settings: BENCH_DURATION / BENCH_WARMUP / BENCH_CONNECTIONS, BENCH_REDIS_URL, BENCH_DATABASE_URL, BENCH_CPU_PROF.
 */
import { randomBytes } from 'node:crypto';
import { availableParallelism, loadavg } from 'node:os';
import { createServerToken } from '@switchboard/sdk';
import pg from 'pg';
import { measure } from './support/load.js';
import type { LoadSettings } from './support/settings.js';
import { startNode, stopNode } from './support/switchboard-node.js';

export const name = 'event-write';
const TARGET_EVENTS_PER_S = 1000;
const round2 = (x: number) => Math.round(x * 100) / 100;

export async function run(settings: LoadSettings, log: (line: string) => void): Promise<Record<string, unknown>> {
  const redisUrl = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const databaseUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const schema = `bench_${randomBytes(5).toString('hex')}`;
  const apiKey = `bench-${randomBytes(4).toString('hex')}`;
  const apiSecret = randomBytes(24).toString('hex');
  const url = new URL(databaseUrl);
  url.searchParams.set('schema', schema);
  log(`${name}: starting a node on PostgreSQL + Redis (schema ${schema})`);
  const node = await startNode(
    {
      DATABASE_URL: url.toString(),
      REDIS_URL: redisUrl,
      SWITCHBOARD_API_KEY: apiKey,
      SWITCHBOARD_API_SECRET: apiSecret,
      SWITCHBOARD_DATA_DIR: `/tmp/${schema}`,
      SWITCHBOARD_RATE_LIMIT_API_KEY_WRITES: '0',
    },
    'node',
  );
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const headers = {
      authorization: await createServerToken(apiSecret),
      'stream-auth-type': 'jwt',
      'content-type': 'application/json',
    };
    const callUrl = `${node.url}/api/v2/video/call/default/bench-events`;
    const setup = async (path: string, body: unknown) => {
      const res = await fetch(`${node.url}${path}?api_key=${apiKey}`, {
        method: 'POST',
        headers,
        body: JSON.stringify(body),
      });
      if (!res.ok) throw new Error(`POST ${path}: ${res.status} ${await res.text()}`);
    };
    await setup('/api/v2/users', { users: { sender: { id: 'sender' } } });
    await setup('/api/v2/video/call/default/bench-events', {
      data: { created_by_id: 'sender', members: [{ user_id: 'sender' }] },
    });
    log(`${name}: baseline GetCall for ${settings.warmupS}+${settings.durationS} s`);
    const { 'content-type': _, ...getHeaders } = headers; // a GET with a JSON content type and no body is a 400
    const base = await measure({ url: `${callUrl}?api_key=${apiKey}`, method: 'GET', headers: getHeaders }, settings);
    log(`${name}: custom events for ${settings.warmupS}+${settings.durationS} s`);
    const events = await measure(
      {
        url: `${callUrl}/event?api_key=${apiKey}`,
        method: 'POST',
        headers,
        body: JSON.stringify({ user_id: 'sender', custom: { type: 'reaction', emoji: ':+1:' } }),
      },
      settings,
    );
    for (const [which, r] of [
      ['baseline', base],
      ['events', events],
    ] as const) {
      if (r.failures === r.requests) throw new Error(`${which}: all ${r.requests} requests failed`);
    }
    const stored = await db.query(`select count(*)::int as n from "${schema}".outbox where event_type = 'custom'`);
    return {
      name,
      events_per_s: events.rps,
      events_p50_ms: events.p50_ms,
      events_p99_ms: events.p99_ms,
      failed_requests: events.failures,
      // Warm-up included: every acknowledged event is a committed outbox row.
      outbox_rows: stored.rows[0].n,
      baseline_get_call_rps: base.rps,
      baseline_failed_requests: base.failures,
      ratio: round2(events.rps / base.rps),
      target_events_per_s: TARGET_EVENTS_PER_S,
      met: events.rps >= TARGET_EVENTS_PER_S && events.failures === 0,
      connections: settings.connections,
      measured_s: settings.durationS,
      machine: { cpus: availableParallelism(), loadavg_1m: round2(loadavg()[0] ?? 0) },
    };
  } finally {
    await stopNode(node);
    await db.query(`drop schema if exists "${schema}" cascade`);
    await db.end();
  }
}
