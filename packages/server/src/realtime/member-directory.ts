/**
 * Who is a member of a call, for event routing, without a query per event: a bounded cache filled from the
 * database on a miss and kept current by the member events themselves (the router applies each event after
 * routing the ones before it). Entries also expire, which heals changes that emit no event (a hard-deleted user
 * loses memberships silently).
 */
import { type CallEvent, EventType } from '@switchboard/protocol';
import { memberIds } from '../store/realtime-queries.js';
import type { Repositories } from '../store/store.js';

interface Entry {
  ids: Set<string>;
  expires: number;
}

export class MemberDirectory {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly repos: Repositories,
    private readonly ttlMs = 30_000,
    private readonly maxEntries = 10_000,
  ) {}

  async members(cid: string): Promise<ReadonlySet<string>> {
    const now = Date.now();
    const hit = this.entries.get(cid);
    if (hit && hit.expires > now) return hit.ids;
    const ids = new Set(await memberIds(this.repos, cid));
    this.remember(cid, ids, now);
    return ids;
  }

  /** Folds a routed event into the cache: who became or stopped being a member. */
  apply(event: CallEvent): void {
    const entry = this.entries.get(event.call_cid);
    switch (event.type) {
      case EventType.CallCreated:
        this.remember(event.call_cid, new Set(event.members.map((m) => m.user_id)), Date.now());
        break;
      case EventType.CallMemberAdded:
        for (const m of event.members) entry?.ids.add(m.user_id);
        break;
      case EventType.CallMemberRemoved:
        for (const id of event.members) entry?.ids.delete(id);
        break;
      case EventType.CallDeleted:
        this.entries.delete(event.call_cid);
        break;
    }
  }

  private remember(cid: string, ids: Set<string>, now: number): void {
    this.entries.delete(cid);
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(cid, { ids, expires: now + this.ttlMs });
  }
}
