/**
 * Durable timers: the `scheduled_jobs` table, claimed and fired by whichever node is alive (implements the services'
 * DurableJobs port). `cluster/` owns what several nodes on one database share; it may import store/, domain/ and
 * services/ (to act on calls), never http/ or realtime/.
 *
 * Why a table and not Redis sorted sets: a job is written in the same transaction as the state change that needs it
 * (a ring and its timeout, a closed connection and its grace), so a commit can never leave a ring without its
 * timeout nor a timeout for a ring that rolled back; with Redis that pairing would need an outbox of its own. The
 * handlers then lock the call and re-read the job in one transaction, which makes each job's effects happen exactly
 * once however many nodes try; a Redis ZPOPMIN claim would still need that. Redis stays optional (SQLite and
 * single-PostgreSQL setups need no Redis for timers). Measured (`npm run bench -- durable-timers`, docs/benchmarks.md): a Redis
 * claim is about 5x cheaper (p50 2.3 vs 11.7 ms per batch of 100 on a loaded 2-core machine), but each job's handler
 * needs a PostgreSQL transaction on the call anyway, which dominates (about 180 jobs/s fired by two sweepers, claim
 * included); timers are rare next to that (one ring timeout per ring, one grace per closed connection).
 *
 * Wake-ups: the node that wrote a job arms a local timer for its due time (through the injectable Scheduler, so tests
 * can drive time), and fires it there. Every node also sweeps every `sweepIntervalMs` for jobs overdue by more than
 * one sweep interval — jobs of a node that died, or whose local timer was lost — and claims at most `batchSize` at
 * a time with `FOR UPDATE SKIP LOCKED` (nodes sweeping together split the batch). A claim is a lease
 * (`claimed_until`): a claimer that dies mid-job lets another node take the job once the lease runs out. A handler
 * that throws releases its claim until `retryMs` later: the job is delayed, never lost.
 */
import type { Logger } from 'pino';
import type { Clock } from '../domain/clock.js';
import type { DurableJobs, JobHandler, JobRecord, JobWrite } from '../services/durable-jobs.js';
import type { Scheduler } from '../services/scheduler.js';
import type { Repositories, Store } from '../store/store.js';
import { claimDueJobs, deleteJob, getJob, jobStatus, jobsBySubject, putJob, releaseJob } from './job-store.js';

export interface DurableTimerOptions {
  nodeId: string;
  store: Store;
  clock: Clock;
  /** Local wake-ups (injectable timers). */
  scheduler: Scheduler;
  logger: Logger;
  sweepIntervalMs: number;
  /** Jobs one sweep claims at most (docs/limits.md). */
  batchSize?: number;
  /** How long a claim holds before another node may take the job (longer than any handler runs). */
  leaseMs?: number;
  /** How long a job whose handler failed waits before it is tried again. */
  retryMs?: number;
}

export const DEFAULT_JOB_BATCH = 100;
export const DEFAULT_JOB_LEASE_MS = 30_000;
export const DEFAULT_JOB_RETRY_MS = 1000;
const SWEEP_KEY = 'durable-timers:sweep';

interface Kind {
  handler: JobHandler;
  /** This node learned that a job of the kind is finished, run by whichever node (local bookkeeping). */
  settled?: ((key: string) => void) | undefined;
}

export class DurableTimers implements DurableJobs {
  private readonly kinds = new Map<string, Kind>();
  /** Jobs this node is running now, by key: a local wake-up for one of them waits for it instead of claiming. */
  private readonly running = new Map<string, Promise<void>>();
  private readonly batchSize: number;
  private readonly leaseMs: number;
  private readonly retryMs: number;
  private closed = false;

  constructor(private readonly options: DurableTimerOptions) {
    this.batchSize = options.batchSize ?? DEFAULT_JOB_BATCH;
    this.leaseMs = options.leaseMs ?? DEFAULT_JOB_LEASE_MS;
    this.retryMs = options.retryMs ?? DEFAULT_JOB_RETRY_MS;
  }

  handle(kind: string, handler: JobHandler, settled?: (key: string) => void): void {
    this.kinds.set(kind, { handler, settled });
  }

  async put(tx: Repositories, job: JobWrite): Promise<void> {
    if (!job.key.startsWith(`${job.kind}:`)) throw new Error(`job key ${job.key} must start with its kind`);
    await putJob(tx, job);
  }

  getForUpdate(tx: Repositories, key: string): Promise<JobRecord | undefined> {
    return getJob(tx, key, true);
  }

  delete(tx: Repositories, key: string, token?: string): Promise<void> {
    return deleteJob(tx, key, token);
  }

  deleteAbout(repos: Repositories, key: string, subject?: string): Promise<void> {
    return deleteJob(repos, key, undefined, subject);
  }

  bySubject(repos: Repositories, kind: string, subject: string): Promise<JobRecord[]> {
    return jobsBySubject(repos, kind, subject);
  }

  wake(key: string, at: number | undefined): void {
    if (at === undefined) this.options.scheduler.cancel(wakeKey(key));
    else this.options.scheduler.schedule(wakeKey(key), at, () => this.fireLocal(key));
  }

  /** Starts the periodic sweep. */
  start(): void {
    this.armSweep();
  }

  /** Stops sweeping and waits for the jobs this node is running (the scheduler's close cancels the timers). */
  async close(): Promise<void> {
    this.closed = true;
    this.options.scheduler.cancel(SWEEP_KEY);
    await Promise.allSettled([...this.running.values()]);
  }

  /** Claims and runs a batch of overdue jobs of any node; returns how many it ran. */
  async sweep(): Promise<number> {
    const now = this.now();
    const jobs = await claimDueJobs(
      this.options.store.read,
      this.options.nodeId,
      now,
      now - this.options.sweepIntervalMs,
      now + this.leaseMs,
      this.batchSize,
    );
    for (const job of jobs) await this.run(job);
    return jobs.length;
  }

  private armSweep(): void {
    if (this.closed) return;
    this.options.scheduler.schedule(SWEEP_KEY, this.now() + this.options.sweepIntervalMs, async () => {
      try {
        await this.sweep();
      } finally {
        this.armSweep();
      }
    });
  }

  /** This node's timer for a job it wrote went off: claim that job and run it, or learn why not. */
  private async fireLocal(key: string): Promise<void> {
    const inFlight = this.running.get(key);
    if (inFlight) {
      await inFlight;
      return;
    }
    const now = this.now();
    const store = this.options.store;
    const [job] = await claimDueJobs(store.read, this.options.nodeId, now, now, now + this.leaseMs, 1, key);
    if (job) {
      await this.run(job);
      return;
    }
    const status = await jobStatus(store.read, key);
    if (!status) this.settled(key);
    else if (status.claimedUntil !== undefined && status.claimedUntil >= now) this.wake(key, status.claimedUntil + 1);
    else if (status.dueAt !== undefined) this.wake(key, status.dueAt);
  }

  private async run(job: JobRecord): Promise<void> {
    const execution = this.execute(job);
    this.running.set(job.key, execution);
    try {
      await execution;
    } finally {
      this.running.delete(job.key);
    }
  }

  private async execute(job: JobRecord): Promise<void> {
    const store = this.options.store;
    const kind = this.kinds.get(job.kind);
    try {
      if (!kind) throw new Error(`no handler for jobs of kind ${job.kind} on this node`);
      await kind.handler(job);
      // The handler deleted or rewrote the job (then this is a no-op), or left it for later: free it.
      if (await releaseJob(store.read, job.key, job.token, this.options.nodeId)) return;
      if (kind.settled && !(await jobStatus(store.read, job.key))) kind.settled(job.key);
    } catch (err) {
      this.options.logger.error({ err, key: job.key }, 'durable timer failed; retrying later');
      const retryAt = this.now() + this.retryMs;
      await releaseJob(store.read, job.key, job.token, this.options.nodeId, retryAt).catch(() => {});
      this.wake(job.key, retryAt + 1);
    }
  }

  private settled(key: string): void {
    const kind = this.kinds.get(key.slice(0, key.indexOf(':')));
    kind?.settled?.(key);
  }

  private now(): number {
    return this.options.clock.now().getTime();
  }
}

const wakeKey = (key: string) => `job:${key}`;
