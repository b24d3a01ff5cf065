/**
 * A per-node read model of calls for the hot read paths (GetCall and GetOrCreate of an existing call): the call
 * row, its API model and its newest members, so a repeated read costs no SQL.
 *
 * Correctness rests on one rule of the design: every change to a call's state commits an event carrying its
 * `call_cid`, and the bus delivers it to every node after the commit. Each delivered event drops that call's
 * snapshot; user and call type writes (which change many calls' views) drop them all. A load that overlaps any
 * invalidation is not stored (the `epoch` check), so a slow reader can never put back a state older than a drop.
 */
import type { Call, Member } from '@switchboard/protocol';
import type { CallsTable } from '../store/schema.js';

export interface CallSnapshot {
  row: CallsTable;
  model: Call;
  /** Newest first, at most SNAPSHOT_MEMBERS. */
  newestMembers: Member[];
  /** The first DEFAULT_MEMBERS_LIMIT of newestMembers (the page most requests ask for). */
  defaultPage: Member[];
  /** True when `newestMembers` is every member (so membership can be answered from it). */
  allMembersKnown: boolean;
}

/** The largest `members_limit` a request may ask for; one extra row tells whether the list is complete. */
export const SNAPSHOT_MEMBERS = 100;

export class CallSnapshotCache {
  private readonly entries = new Map<string, CallSnapshot>();
  private epoch = 0;

  constructor(private readonly maxEntries = 10_000) {}

  /**
   * The cached snapshot, or `load()`'s result (stored when no invalidation happened meanwhile). `keep: false` reads
   * through without storing: scans such as QueryCalls must not evict the calls that are read again and again.
   */
  async read(
    cid: string,
    load: () => Promise<CallSnapshot | undefined>,
    options: { keep?: boolean } = {},
  ): Promise<CallSnapshot | undefined> {
    const hit = this.entries.get(cid);
    if (hit) return hit;
    const epoch = this.epoch;
    const loaded = await load();
    if (loaded && options.keep !== false && epoch === this.epoch) {
      if (this.entries.size >= this.maxEntries) this.entries.clear();
      this.entries.set(cid, loaded);
    }
    return loaded;
  }

  invalidate(cid: string): void {
    this.epoch++;
    this.entries.delete(cid);
  }

  clear(): void {
    this.epoch++;
    this.entries.clear();
  }
}
