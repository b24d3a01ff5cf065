/**
 * Media admission against a moving call. The coordinator's answer (services/media-admission.ts) is read from the
 * database while call events keep arriving: a kick, a block, a leave or the end of the call published during that
 * read may not be reflected in it. So a join is decided again whenever such a decision about its call arrived
 * meanwhile, a bounded number of times; when the call is still changing in the last round the join is refused
 * (the client may join again) rather than admitted on an answer that may already be stale.
 */
import { SfuErrorCode } from '@switchboard/protocol/sfu';
import { MediaRefused } from '../services/media-admission.js';

/** How often a join is decided at most before it is refused for a call that keeps changing. */
export const MAX_ADMISSION_ROUNDS = 3;

export class AdmissionRounds {
  /** cid → changes seen while joins to it are being decided (only calls with a join in flight have an entry). */
  private readonly admitting = new Map<string, { joins: number; changes: number }>();

  constructor(private readonly maxRounds = MAX_ADMISSION_ROUNDS) {}

  /** A decision about this call is being applied: joins being decided right now must be decided again. */
  changed(cid: string): void {
    const entry = this.admitting.get(cid);
    if (entry) entry.changes++;
  }

  /** Calls in the middle of a decision (bounded by the joins in flight, which the SFU's limits bound). */
  get inFlight(): number {
    return this.admitting.size;
  }

  /**
   * Runs `decide` until one round saw no change of the call; refuses the join (`join_refused`) when the last
   * allowed round saw one too. A refusal thrown by `decide` passes through.
   */
  async decide<T>(cid: string, decide: () => Promise<T>): Promise<T> {
    const entry = this.admitting.get(cid) ?? { joins: 0, changes: 0 };
    this.admitting.set(cid, entry);
    entry.joins++;
    try {
      for (let round = 1; round <= this.maxRounds; round++) {
        const seen = entry.changes;
        const decision = await decide();
        if (entry.changes === seen) return decision;
      }
      throw new MediaRefused(
        SfuErrorCode.JoinRefused,
        'the call kept changing while this join was decided: join the call again',
      );
    } finally {
      if (--entry.joins === 0) this.admitting.delete(cid);
    }
  }
}
