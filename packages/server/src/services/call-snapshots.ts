/**
 * A per-node read model of calls for the hot read paths (GetCall and GetOrCreate of an existing call): the call
 * row, its API model and its newest members, so a repeated read costs no SQL.
 *
 * Correctness rests on one rule of the design: every change to a call's state commits an event carrying its
 * `call_cid`, and the bus delivers it to every node after the commit. Each delivered event drops that call's
 * snapshot; a user's new details drop the snapshots that embed that user (as creator, participant or one of the
 * newest members), and call type writes drop them all. A load that overlaps any invalidation is not stored (the
 * `epoch` check), so a slow reader can never put back a state older than a drop.
 *
 * The cache is bounded by entries and by estimated bytes (least recently read goes first): a call's `custom` and
 * its members' data are client-sized, so a count alone would let a few thousand large calls exhaust the heap.
 */
import type { Call, Member } from '@switchboard/protocol';
import { LRUCache } from 'lru-cache';
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

export interface SnapshotCacheBounds {
  maxEntries: number;
  /** Upper bound of the sum of `estimateSnapshotBytes` over the cached snapshots; larger snapshots are not kept. */
  maxBytes: number;
}

export const DEFAULT_SNAPSHOT_BOUNDS: SnapshotCacheBounds = { maxEntries: 10_000, maxBytes: 64 * 1024 * 1024 };

/**
 * Heap a snapshot holds, estimated from its JSON text: the parsed model and members cost about twice their text
 * (UTF-16 strings and object headers), and the row keeps its JSON columns as text. Computed once per load, which
 * already costs SQL, never on a hit.
 */
export function estimateSnapshotBytes(snapshot: CallSnapshot): number {
  let rowChars = 0;
  for (const value of Object.values(snapshot.row)) {
    if (typeof value === 'string') rowChars += value.length;
    else if (typeof value === 'object' && value !== null) rowChars += JSON.stringify(value).length;
    else rowChars += 8;
  }
  const parsedChars = JSON.stringify(snapshot.model).length + JSON.stringify(snapshot.newestMembers).length;
  return 2 * (rowChars + parsedChars);
}

/** The users whose details a snapshot shows: its creator, its session's participants and its newest members. */
export function usersInSnapshot(snapshot: CallSnapshot): Set<string> {
  const ids = new Set<string>([snapshot.model.created_by.id]);
  for (const p of snapshot.model.session?.participants ?? []) ids.add(p.user.id);
  for (const m of snapshot.newestMembers) ids.add(m.user_id);
  return ids;
}

export class CallSnapshotCache {
  private readonly entries: LRUCache<string, CallSnapshot>;
  /** user id → the cached calls that show that user: kept in step with `entries` (its dispose hook). */
  private readonly callsOfUser = new Map<string, Set<string>>();
  private epoch = 0;

  constructor(bounds: SnapshotCacheBounds = DEFAULT_SNAPSHOT_BOUNDS) {
    this.entries = new LRUCache<string, CallSnapshot>({
      max: Math.max(1, bounds.maxEntries),
      maxSize: Math.max(1, bounds.maxBytes),
      sizeCalculation: (snapshot) => Math.max(1, estimateSnapshotBytes(snapshot)),
      // Every way an entry leaves (eviction, delete, clear, replacement) unlists it from its users.
      dispose: (snapshot, cid) => this.unlist(cid, snapshot),
    });
  }

  /** What the cache holds now (entries and estimated bytes), for metrics and tests. */
  get usage(): { entries: number; bytes: number } {
    return { entries: this.entries.size, bytes: this.entries.calculatedSize };
  }

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
    // A snapshot larger than the whole byte bound is not kept (lru-cache refuses it); the read still answers.
    if (loaded && options.keep !== false && epoch === this.epoch) {
      this.entries.set(cid, loaded);
      if (this.entries.peek(cid) === loaded) this.list(cid, loaded);
    }
    return loaded;
  }

  /** The cached snapshot, if any (counts as a read for the eviction order); never loads. */
  cached(cid: string): CallSnapshot | undefined {
    return this.entries.get(cid);
  }

  invalidate(cid: string): void {
    this.epoch++;
    this.entries.delete(cid);
  }

  /** Drops the snapshots that show any of these users (their details changed); other calls stay cached. */
  invalidateUsers(userIds: Iterable<string>): void {
    this.epoch++;
    const cids = new Set<string>();
    for (const userId of userIds) for (const cid of this.callsOfUser.get(userId) ?? []) cids.add(cid);
    for (const cid of cids) this.entries.delete(cid);
  }

  clear(): void {
    this.epoch++;
    this.entries.clear();
  }

  private list(cid: string, snapshot: CallSnapshot): void {
    for (const userId of usersInSnapshot(snapshot)) {
      let cids = this.callsOfUser.get(userId);
      if (!cids) {
        cids = new Set();
        this.callsOfUser.set(userId, cids);
      }
      cids.add(cid);
    }
  }

  private unlist(cid: string, snapshot: CallSnapshot): void {
    for (const userId of usersInSnapshot(snapshot)) {
      const cids = this.callsOfUser.get(userId);
      if (!cids) continue;
      cids.delete(cid);
      if (cids.size === 0) this.callsOfUser.delete(userId);
    }
  }
}
