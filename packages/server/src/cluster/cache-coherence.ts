/**
 * What every node caches about state any node can change, and how it is kept coherent: each cache drops entries
 * on the bus messages that report a change, on whichever node the change was made.
 *
 * | cache (per node)                     | dropped by                                                        |
 * | ------------------------------------ | ----------------------------------------------------------------- |
 * | call snapshots (call-snapshots.ts)   | every call event (its `call_cid`); a user notice drops the calls   |
 * |                                      | showing those users; a call type notice drops them all             |
 * | call types (call-type-cache.ts)      | `call_type_changed` notices                                       |
 * | watches of connections held here     | re-checked on `role_changed` / `grants_changed`; `deleted` closes  |
 * | everything above                     | a bus gap (this node may have missed messages)                     |
 *
 * The writer's node applies a notice before its response (the local bus runs listeners inside `notify`); other
 * nodes apply it when it arrives, and the writer's response waits until Redis has handed it to them (see
 * RedisEventBus), so the staleness after the writer's response is bounded by one event-loop turn of the reader.
 */
import type { ClusterNotice, EventBus } from '../bus/event-bus.js';
import type { CallSnapshotCache } from '../services/call-snapshots.js';
import type { CallTypeCache } from '../services/call-type-cache.js';
import type { RealtimePort } from '../services/realtime-port.js';

export interface CoherentCaches {
  snapshots: CallSnapshotCache;
  callTypes: CallTypeCache;
  /** The realtime side of this node: it re-checks or closes the connections it holds. */
  realtime: () => RealtimePort;
}

/** Keeps this node's caches coherent with every node's writes; returns the undo. */
export function keepCachesCoherent(bus: EventBus, caches: CoherentCaches): () => void {
  const stops = [
    // Every committed call event drops that call's snapshot, before the event reaches anyone else.
    bus.subscribe((event) => caches.snapshots.invalidate(event.call_cid)),
    bus.onNotice((notice) => applyNotice(notice, caches)),
    bus.onGap(() => {
      caches.snapshots.clear();
      caches.callTypes.clear();
    }),
  ];
  return () => {
    for (const stop of stops) stop();
  };
}

async function applyNotice(notice: ClusterNotice, caches: CoherentCaches): Promise<void> {
  const realtime = caches.realtime();
  switch (notice.kind) {
    case 'users_changed':
      // A user's details appear only in the views of the calls that user is in.
      if (notice.user_ids) caches.snapshots.invalidateUsers(notice.user_ids);
      else caches.snapshots.clear();
      if (notice.deleted.length > 0) realtime.usersDeleted(notice.deleted);
      if (notice.role_changed.length > 0) await realtime.accessChanged({ userIds: notice.role_changed });
      return;
    case 'call_type_changed':
      // Call type settings appear inside the views of every call of the type.
      caches.snapshots.clear();
      caches.callTypes.invalidate(notice.name);
      if (notice.grants_changed) await realtime.accessChanged({ callType: notice.name });
      return;
  }
}
