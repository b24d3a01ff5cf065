/**
 * Durable timers (issue 11, "timers across nodes"): what the `scheduled_jobs` table costs on PostgreSQL, next to the
 * alternative it was chosen over, a Redis sorted set (`ZADD` to schedule, a Lua `ZRANGEBYSCORE` + `ZREM` to claim).
 *
 * - schedule: one job written in its own transaction (what a ring or a closed connection adds to its commit:
 *   in the service it rides in a transaction that exists anyway) vs one `ZADD`; p50 / p99 ms. And the cost
 *   of one more job row in a transaction that is open anyway (1000 per transaction), per job.
 * - claim: one batch of 100 due jobs claimed (`UPDATE … WHERE key IN (SELECT … FOR UPDATE SKIP LOCKED)`) vs one
 *   Lua claim of 100 members; p50 / p99 ms, over BENCH_TIMER_JOBS due jobs (default 5000).
 * - fire: two sweepers (two DurableTimers, as two nodes) draining BENCH_TIMER_JOBS due jobs whose handler deletes
 *   its job in a transaction (what every handler does); jobs per second.
 *
 * PostgreSQL at 127.0.0.1:5432 (TEST_DATABASE_URL) and Redis at 127.0.0.1:6379 (BENCH_REDIS_URL); a fresh schema
 * and a unique key, removed afterwards.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import pino from 'pino';
import { DurableTimers } from '../src/cluster/durable-timers.js';
import { claimDueJobs, putJob } from '../src/cluster/job-store.js';
import { systemClock } from '../src/domain/clock.js';
import { TimerScheduler } from '../src/services/scheduler.js';
import { openDatabase } from '../src/store/database.js';
import { Store } from '../src/store/store.js';
import type { LoadSettings } from './support/settings.js';

export const name = 'durable-timers';
const POSTGRES_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const JOBS = Number(process.env.BENCH_TIMER_JOBS ?? 5000);
const BATCH = 100;
const SAMPLES = 500;

function summary(ms: number[]): { p50_ms: number; p99_ms: number } {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number;
  return { p50_ms: Number(at(0.5).toFixed(3)), p99_ms: Number(at(0.99).toFixed(3)) };
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

const CLAIM_LUA = `
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[2])
if #due > 0 then redis.call('ZREM', KEYS[1], unpack(due)) end
return due`;

export async function run(_settings: LoadSettings, log: (line: string) => void): Promise<Record<string, unknown>> {
  const schema = `bench_timers_${randomBytes(4).toString('hex')}`;
  const store = new Store(await openDatabase({ kind: 'postgres', url: POSTGRES_URL, schema, poolSize: 10 }));
  const redis = new Redis(REDIS_URL, { lazyConnect: true });
  await redis.connect();
  const zkey = `bench:durable-timers:${randomBytes(4).toString('hex')}`;
  const past = Date.now() - 3_600_000;
  try {
    log(`schedule: ${SAMPLES} jobs each way`);
    const pgSchedule: number[] = [];
    const redisSchedule: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      const job = { key: `probe:s${i}`, kind: 'probe', dueAt: past, payload: { i } };
      pgSchedule.push(await timed(() => store.transaction((tx) => putJob(tx, job))));
      redisSchedule.push(await timed(() => redis.zadd(zkey, past, `probe:s${i}`)));
    }

    log(`claim: ${JOBS} due jobs, batches of ${BATCH}`);
    await store.db.deleteFrom('scheduled_jobs').execute();
    await redis.del(zkey);
    const bulkStart = Date.now();
    for (let i = 0; i < JOBS; i += 1000) {
      await store.transaction(async (tx) => {
        for (let j = i; j < Math.min(JOBS, i + 1000); j++) {
          await putJob(tx, { key: `probe:c${j}`, kind: 'probe', dueAt: past, payload: { j } });
        }
      });
      const members = Array.from({ length: Math.min(1000, JOBS - i) }, (_, k) => [past, `probe:c${i + k}`]).flat();
      await redis.zadd(zkey, ...(members as (string | number)[]));
    }
    const inOpenTransactionMs = (Date.now() - bulkStart) / JOBS;
    const pgClaim: number[] = [];
    const redisClaim: number[] = [];
    for (let i = 0; i < JOBS / BATCH; i++) {
      const now = Date.now();
      pgClaim.push(await timed(() => claimDueJobs(store.read, 'bench', now, now, now + 30_000, BATCH)));
      redisClaim.push(await timed(() => redis.eval(CLAIM_LUA, 1, zkey, now, BATCH)));
    }

    log(`fire: ${JOBS} due jobs, two sweepers`);
    await store.db.deleteFrom('scheduled_jobs').execute();
    for (let i = 0; i < JOBS; i += 1000) {
      await store.transaction(async (tx) => {
        for (let j = i; j < Math.min(JOBS, i + 1000); j++) {
          await putJob(tx, { key: `probe:f${j}`, kind: 'probe', dueAt: past, payload: { j } });
        }
      });
    }
    const logger = pino({ level: 'silent' });
    const sweepers = ['a', 'b'].map((nodeId) => {
      const scheduler = new TimerScheduler(systemClock, () => {});
      const timers = new DurableTimers({ nodeId, store, clock: systemClock, scheduler, logger, sweepIntervalMs: 1 });
      timers.handle('probe', (job) => store.transaction((tx) => timers.delete(tx, job.key, job.token)));
      return timers;
    });
    const start = Date.now();
    await Promise.all(
      sweepers.map(async (timers) => {
        while ((await timers.sweep()) > 0) {}
      }),
    );
    const fireS = (Date.now() - start) / 1000;
    const left = await store.db.selectFrom('scheduled_jobs').select('key').execute();
    return {
      name,
      database: 'postgres',
      jobs: JOBS,
      schedule: {
        postgres_table: summary(pgSchedule),
        postgres_row_in_open_transaction_ms: Number(inOpenTransactionMs.toFixed(3)),
        redis_zset: summary(redisSchedule),
      },
      claim_batch_of_100: { postgres_table: summary(pgClaim), redis_zset: summary(redisClaim) },
      fire_two_sweepers: { jobs_per_s: Math.round(JOBS / fireS), left_over: left.length },
    };
  } finally {
    await redis.del(zkey).catch(() => {});
    redis.disconnect();
    await store.close();
    const admin = new pg.Client({ connectionString: POSTGRES_URL });
    await admin.connect();
    await admin.query(`drop schema if exists "${schema}" cascade`);
    await admin.end();
  }
}
