/**
 * Presence-driven leave: a participant who joined over a realtime connection leaves when that connection closes,
 * after a grace period for reconnects (docs/api.md: default 30 s).
 *
 * - When a connection closes, its participations (rows whose `connection_id` is that connection) get `graceMs`.
 *   When the grace is over, those still attached to it leave (`call.session_participant_left`, and
 *   `call.session_ended` when they were the last).
 * - Within the grace, a new connection of the same user that watches the call (GetCall / GetOrCreateCall /
 *   QueryCalls with its `connection_id`) takes the participations over: they move to the new connection and leave
 *   only when that one closes. This is what the SDK's reconnect does.
 * - Within the grace, the same user joining the call again over a new connection replaces the old participations:
 *   they leave at once, after the new participant joined (so the session does not end in between).
 *
 * - On start (`adoptOrphans`), participations over connections this node does not hold — those of the process that
 *   ran before it and died (kill -9, crash) — are treated as closed connections: they leave after the grace period
 *   unless their client reconnects and takes them over.
 * - On shutdown (`leaveAll`), the participations over this node's connections leave at once, so a stopped node
 *   leaves no session open behind it.
 *
 * State is per node and in memory, and adoption assumes a single node: every participation with a connection
 * belongs to this node (on start it holds none yet). With several nodes on one database, a node starting would
 * adopt the participations of nodes still alive; the scale-out work replaces adoption with presence heartbeats.
 */

import {
  activeParticipantsByConnections,
  connectionsWithParticipants,
  rehomeParticipants,
} from '../store/realtime-queries.js';
import type { SessionParticipantsTable } from '../store/schema.js';
import { lockCallIfPresent } from './call-access.js';
import { commit, type ServiceContext } from './context.js';
import type { Scheduler } from './scheduler.js';
import { removeParticipants } from './sessions.js';

export class Presence {
  /** user id → closed connections still in their grace period. */
  private readonly closedByUser = new Map<string, Set<string>>();

  constructor(
    private readonly scheduler: Scheduler,
    readonly graceMs: number,
  ) {}

  /** Closed connections whose grace period is still running. */
  get pending(): number {
    let n = 0;
    for (const closed of this.closedByUser.values()) n += closed.size;
    return n;
  }

  /** A connection that may carry participations closed: they leave after the grace period. */
  connectionClosed(ctx: ServiceContext, connectionId: string, userId: string): void {
    let closed = this.closedByUser.get(userId);
    if (!closed) {
      closed = new Set();
      this.closedByUser.set(userId, closed);
    }
    closed.add(connectionId);
    const at = ctx.clock.now().getTime() + this.graceMs;
    this.scheduler.schedule(`presence:${connectionId}`, at, () => this.expire(ctx, connectionId, userId));
  }

  /**
   * On start: participations hanging off connections of a previous process get the grace period, as if their
   * connections had just closed. Single node only (see the header).
   */
  async adoptOrphans(ctx: ServiceContext): Promise<number> {
    const orphans = await connectionsWithParticipants(ctx.store.read);
    for (const { connection_id, user_id } of orphans) this.connectionClosed(ctx, connection_id, user_id);
    return orphans.length;
  }

  /**
   * On shutdown: the participations over `heldConnectionIds` (this node's open connections) and over connections
   * still in their grace period leave now, with their events committed, before the node stops.
   */
  async leaveAll(ctx: ServiceContext, heldConnectionIds: readonly string[]): Promise<void> {
    const pending = [...this.closedByUser.values()].flatMap((closed) => [...closed]);
    for (const id of pending) this.scheduler.cancel(`presence:${id}`);
    this.closedByUser.clear();
    await this.leave(ctx, [...heldConnectionIds, ...pending]);
  }

  /** Moves the user's participations in `cid` from closed connections to `connectionId`; returns how many moved. */
  async takeOver(ctx: ServiceContext, userId: string, cid: string, connectionId: string): Promise<number> {
    const closed = this.closedByUser.get(userId);
    if (!closed || closed.size === 0) return 0;
    return ctx.store.transaction((tx) => rehomeParticipants(tx, cid, userId, [...closed], connectionId));
  }

  /** The user joined `cid` again: participations over closed connections leave now. */
  async replace(ctx: ServiceContext, userId: string, cid: string): Promise<void> {
    const closed = this.closedByUser.get(userId);
    if (!closed || closed.size === 0) return;
    await this.leave(ctx, [...closed], cid);
  }

  /** The grace period is over: what is still attached to the connection leaves. */
  private async expire(ctx: ServiceContext, connectionId: string, userId: string): Promise<void> {
    try {
      await this.leave(ctx, [connectionId]);
    } finally {
      const closed = this.closedByUser.get(userId);
      closed?.delete(connectionId);
      if (closed?.size === 0) this.closedByUser.delete(userId);
    }
  }

  /** Ends the live participations over these connections, one transaction per call. */
  private async leave(ctx: ServiceContext, connectionIds: readonly string[], onlyCid?: string): Promise<void> {
    const rows = await activeParticipantsByConnections(ctx.store.read, connectionIds, onlyCid);
    const byCall = new Map<string, SessionParticipantsTable[]>();
    for (const row of rows) byCall.set(row.call_cid, [...(byCall.get(row.call_cid) ?? []), row]);
    for (const cid of byCall.keys()) {
      await commit(ctx, async (tx, emit) => {
        const call = await lockCallIfPresent(ctx, tx, cid);
        const sessionId = call?.row.current_session_id;
        if (!call || !sessionId) return;
        const active = await activeParticipantsByConnections(tx, connectionIds, cid);
        const leaving = active.filter((p) => p.session_id === sessionId);
        await removeParticipants(ctx, tx, call, sessionId, leaving, emit);
      });
    }
  }
}
