/**
 * The port services use for work that must happen later, whichever node is alive then (ring timeouts, presence
 * grace). A job is a row written in the caller's transaction, so it exists exactly when the state change that
 * scheduled it committed; cluster/durable-timers.ts stores, claims and fires them.
 *
 * A handler receives the job it was handed and must be safe to run more than once: it locks what it changes, re-reads
 * the job inside that transaction and only acts while the job is still there and due, then deletes or rewrites it in
 * the same transaction. That, not the claim, is what makes a job's effects happen exactly once; the claim only keeps
 * two nodes from doing the same work at the same time.
 */
import type { Repositories } from '../store/store.js';

export interface JobRecord {
  key: string;
  kind: string;
  subject: string | null;
  /** Epoch ms the job is due; undefined for a job that only holds state. */
  dueAt: number | undefined;
  payload: string;
  token: string;
}

export interface JobWrite {
  key: string;
  kind: string;
  subject?: string | undefined;
  /** Epoch ms; undefined: never due (the row only holds state). */
  dueAt?: number | undefined;
  payload: unknown;
}

export type JobHandler = (job: JobRecord) => Promise<void>;

export interface DurableJobs {
  /** Creates or replaces the job in the caller's transaction (a fresh token; any claim on the old version lapses). */
  put(tx: Repositories, job: JobWrite): Promise<void>;
  /** The job, locked until the transaction ends (PostgreSQL); undefined when there is none. */
  getForUpdate(tx: Repositories, key: string): Promise<JobRecord | undefined>;
  /** Deletes the job; with `token`, only that version of it. */
  delete(tx: Repositories, key: string, token?: string): Promise<void>;
  /** Deletes the job if it is about `subject` (any subject when undefined). */
  deleteAbout(repos: Repositories, key: string, subject?: string): Promise<void>;
  /** Jobs of one kind about one subject (a user's presence jobs). */
  bySubject(repos: Repositories, kind: string, subject: string): Promise<JobRecord[]>;
  /** After the commit that wrote a job: wake this node when it is due (other nodes' sweeps are the fallback). */
  wake(key: string, at: number | undefined): void;
  /**
   * The code that runs jobs of `kind` on this node; `settled` hears of jobs this node woke for that are finished,
   * by this node or another (local bookkeeping). Keys of a kind start with `kind:`.
   */
  handle(kind: string, handler: JobHandler, settled?: (key: string) => void): void;
}
