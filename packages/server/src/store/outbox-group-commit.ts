/**
 * Group commit of outbox rows for writes that change no state (custom events): the rows of concurrent requests are
 * written by one INSERT, so at a high event rate the database sees one short statement per batch instead of one
 * transaction (BEGIN, INSERT, COMMIT) per request, and no request holds a pool connection while it waits.
 *
 *   request 1 ─ append([e1]) ─┐
 *   request 2 ─ append([e2]) ─┼─► INSERT … VALUES (e1), (e2), (e3) ─► each append resolves: its rows committed
 *   request 3 ─ append([e3]) ─┘
 *
 * Batching costs no waiting: when nothing is being written an append is written at once; appends that arrive while
 * a batch is in flight form the next batch. One batch is in flight at a time, so this node's rows take outbox ids in
 * append order and commit in that order (the bus publishes them in that order too, see services/context.ts).
 *
 * Isolation: when a batch fails, each of its appends is written again on its own, so one failing request (or one
 * that meets a transient error) fails alone and the others' events are neither lost nor reported as failed.
 */
import type { CallEvent } from '@switchboard/protocol';
import type { Kysely } from 'kysely';
import { insertOutboxRows } from './outbox-store.js';
import type { Database } from './schema.js';

interface PendingAppend {
  events: readonly CallEvent[];
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * Most rows in one INSERT: six parameters a row stay far below PostgreSQL's 65,535 parameters per statement and
 * SQLite's 32,766 variables, and one statement's size stays small.
 */
export const MAX_GROUP_COMMIT_ROWS = 1000;

export type OutboxRowWriter = (db: Kysely<Database>, events: readonly CallEvent[]) => Promise<void>;

export class OutboxGroupCommit {
  private queue: PendingAppend[] = [];
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly maxRows = MAX_GROUP_COMMIT_ROWS,
    /** How rows are written; tests put a failing writer here. */
    private readonly write: OutboxRowWriter = insertOutboxRows,
  ) {}

  /** Resolves once these events' rows have committed (in this order, with ascending ids); rejects if they did not. */
  append(events: readonly CallEvent[]): Promise<void> {
    if (events.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ events, resolve, reject });
      this.flushing ??= this.flush();
    });
  }

  /** Resolves when every append made so far has been written or has failed (for a clean shutdown). */
  async drain(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  private async flush(): Promise<void> {
    try {
      while (this.queue.length > 0) await this.writeBatch(this.takeBatch());
    } finally {
      this.flushing = undefined;
    }
  }

  /** Whole appends (never split: one request's rows commit together) up to `maxRows`, at least one. */
  private takeBatch(): PendingAppend[] {
    let rows = 0;
    let count = 0;
    for (const pending of this.queue) {
      if (count > 0 && rows + pending.events.length > this.maxRows) break;
      rows += pending.events.length;
      count++;
    }
    return this.queue.splice(0, count);
  }

  private async writeBatch(batch: PendingAppend[]): Promise<void> {
    if (batch.length > 1) {
      try {
        await this.write(
          this.db,
          batch.flatMap((p) => p.events),
        );
        for (const pending of batch) pending.resolve();
        return;
      } catch {
        // Fall through: find out whose rows fail by writing each append alone.
      }
    }
    for (const pending of batch) {
      try {
        await this.write(this.db, pending.events);
        pending.resolve();
      } catch (err) {
        pending.reject(err);
      }
    }
  }
}
