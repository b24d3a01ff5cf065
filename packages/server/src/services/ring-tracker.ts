/**
 * The rings in progress: the ring state per call (domain/ring) and its timeout, kept as a durable job
 * (`ring:<cid>`, services/durable-jobs.ts) so that any node can answer a ring and a ring's timeout fires even when
 * the node that rang died. ringing.ts is the only writer; it reads and writes the state inside the transaction that
 * holds the call's lock, so one call's ring operations are serialised on every node.
 *
 * Answers are also recorded on the session (`accepted_by`, `rejected_by`, `missed_by`).
 */
import { nextDeadline, type RingState } from '../domain/ring/ring-state.js';
import type { Repositories } from '../store/store.js';
import type { DurableJobs } from './durable-jobs.js';
import { KeyedLock } from './keyed-lock.js';

export const RING_JOB = 'ring';

interface StoredRing {
  cid: string;
  sessionId: string;
  callerId: string;
  startedAt: number;
  timeouts: RingState['timeouts'];
  /** Entries, not an object: user ids are client-chosen (`__proto__`). */
  callees: [string, RingState['callees'] extends ReadonlyMap<string, infer S> ? S : never][];
}

export class RingTracker {
  /** Serialises one call's ring operations on this node before they queue on the call's row lock. */
  readonly lock = new KeyedLock();

  constructor(readonly jobs: DurableJobs) {}

  /** The call's ring, locked with the job row until the transaction ends (call the call's lock first). */
  async load(tx: Repositories, cid: string): Promise<RingState | undefined> {
    const job = await this.jobs.getForUpdate(tx, ringKey(cid));
    if (!job) return undefined;
    const stored = JSON.parse(job.payload) as StoredRing;
    return {
      sessionId: stored.sessionId,
      callerId: stored.callerId,
      startedAt: stored.startedAt,
      timeouts: stored.timeouts,
      callees: new Map(stored.callees),
    };
  }

  /** Stores the new state (an ended ring is forgotten); returns when its timeout is due, for `wake` after commit. */
  async save(tx: Repositories, cid: string, state: RingState): Promise<number | undefined> {
    if (state.outcome !== undefined) {
      await this.jobs.delete(tx, ringKey(cid));
      return undefined;
    }
    const dueAt = nextDeadline(state);
    const payload: StoredRing = {
      cid,
      sessionId: state.sessionId,
      callerId: state.callerId,
      startedAt: state.startedAt,
      timeouts: state.timeouts,
      callees: [...state.callees],
    };
    await this.jobs.put(tx, { key: ringKey(cid), kind: RING_JOB, subject: state.sessionId, dueAt, payload });
    return dueAt;
  }

  clear(tx: Repositories, cid: string): Promise<void> {
    return this.jobs.delete(tx, ringKey(cid));
  }

  /** Drops the call's ring (of that session only, when given): the call or the session ended. One statement. */
  forget(repos: Repositories, cid: string, sessionId?: string): Promise<void> {
    return this.jobs.deleteAbout(repos, ringKey(cid), sessionId);
  }

  /** After the commit that saved a ring: this node fires its timeout when due. */
  wake(cid: string, at: number | undefined): void {
    this.jobs.wake(ringKey(cid), at);
  }
}

export const ringKey = (cid: string) => `${RING_JOB}:${cid}`;
export const cidOfRingKey = (key: string) => key.slice(RING_JOB.length + 1);
