/**
 * The rings in progress on this node: the ring state per call (domain/ring) and its timer. Owned by the node's
 * composition root and reached through the service context; ringing.ts is the only writer.
 *
 * Rings live in memory on the node that rang: answers are also recorded on the session (`accepted_by`,
 * `rejected_by`, `missed_by`), but a ring whose node dies stops timing out (the scale-out work moves ring timers
 * to a shared store).
 */
import { nextDeadline, type RingState } from '../domain/ring/ring-state.js';
import { KeyedLock } from './keyed-lock.js';
import type { Scheduler } from './scheduler.js';

export class RingTracker {
  private readonly rings = new Map<string, RingState>();
  /** Serialises every ring operation of one call (ring, answer, timeout). */
  readonly lock = new KeyedLock();

  constructor(private readonly scheduler: Scheduler) {}

  get(cid: string): RingState | undefined {
    return this.rings.get(cid);
  }

  /** Stores the new state and (re)arms its timer; an ended ring is forgotten. */
  set(cid: string, state: RingState, onDeadline: () => Promise<void>): void {
    if (state.outcome !== undefined) {
      this.drop(cid);
      return;
    }
    this.rings.set(cid, state);
    const at = nextDeadline(state);
    if (at === undefined) this.scheduler.cancel(timerKey(cid));
    else this.scheduler.schedule(timerKey(cid), at, onDeadline);
  }

  /** Keeps the current state and runs `onDeadline` again at `at` (its last run could not commit its effects). */
  retry(cid: string, at: number, onDeadline: () => Promise<void>): void {
    if (this.rings.has(cid)) this.scheduler.schedule(timerKey(cid), at, onDeadline);
  }

  /** Forgets the ring of a call (it ended, or its call or session did). */
  drop(cid: string, sessionId?: string): void {
    const state = this.rings.get(cid);
    if (!state || (sessionId !== undefined && state.sessionId !== sessionId)) return;
    this.rings.delete(cid);
    this.scheduler.cancel(timerKey(cid));
  }

  get size(): number {
    return this.rings.size;
  }
}

const timerKey = (cid: string) => `ring:${cid}`;
