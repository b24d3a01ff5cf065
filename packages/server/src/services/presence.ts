/**
 * Presence-driven leave: a participant who joined over a realtime connection leaves when that connection closes,
 * after a grace period for reconnects (docs/api.md: default 30 s).
 *
 * - When a connection closes, its participations (rows whose `connection_id` is that connection) get `graceMs`: a
 *   durable job `presence:<connection id>` (services/durable-jobs.ts), so the grace runs out on whichever node is
 *   alive then. When it does, those still attached to the connection leave (`call.session_participant_left`, and
 *   `call.session_ended` when they were the last), once, under the call's lock.
 * - Within the grace, a new connection of the same user that watches the call (GetCall / GetOrCreateCall /
 *   QueryCalls with its `connection_id`) takes the participations over, on any node (the closed connections are
 *   found through the user's presence jobs): they move to the new connection and its node, and leave only when
 *   that one closes. This is what the SDK's reconnect does.
 * - Within the grace, the same user joining the call again over a new connection replaces the old participations:
 *   they leave at once, after the new participant joined (so the session does not end in between).
 * - On shutdown (drain, `handOver`), this node's connections close like any other (close code 4010): their
 *   participations get the grace period too, and the durable jobs outlive the node, so a client that reconnects to
 *   another node keeps its place (no leave/join events) and one that does not leaves when the grace runs out.
 *   `orphanParticipants` skips participations in their grace, so the stopped node's missing row does not end them.
 * - A node that dies without shutting down (kill -9, crash) is handled by cluster/node-liveness.ts: once its
 *   heartbeat is older than the node TTL, its participations leave (`leaveOrphans`).
 *
 * Every participation has an owner whose loss ends it: the realtime connection it joined over (above), or the SFU
 * connection that took it over (media-admission.ts; its close is the leave), each held by a node whose death ends
 * it too. A participation that gets neither within the owner deadline after JoinCall leaves (`leaveUnowned`, run
 * on every node's heartbeat, so also for rows left by a previous run): there is no lease a client could renew by
 * calling JoinCall again, since a repeated join returns the same participation with its first join time.
 */

import { isoNow } from '../domain/clock.js';
import {
  activeParticipantsByConnections,
  markReaped,
  orphanParticipants,
  rehomeParticipants,
  unownedParticipants,
} from '../store/realtime-queries.js';
import type { SessionParticipantsTable } from '../store/schema.js';
import type { Repositories } from '../store/store.js';
import { lockCallIfPresent } from './call-access.js';
import { commit, type ServiceContext } from './context.js';
import type { DurableJobs, JobRecord } from './durable-jobs.js';
import { removeParticipants } from './sessions.js';

export const PRESENCE_JOB = 'presence';

/** Closed connections whose grace could not be written (a database outage), remembered for shutdown (docs/limits.md). */
export const MAX_UNWRITTEN_GRACES = 10_000;

interface PresencePayload {
  connection_id: string;
  user_id: string;
}

export class Presence {
  /** user id → this node's closed connections still in their grace period. */
  private readonly closedByUser = new Map<string, Set<string>>();
  /** connection id → user id, for the same entries. */
  private readonly userByConnection = new Map<string, string>();
  /** Grace jobs being written (shutdown waits for them). */
  private readonly writes = new Set<Promise<void>>();
  /** Closed connections whose grace job could not be written: on shutdown they leave instead of being handed over. */
  private readonly unwritten = new Set<string>();

  constructor(
    private readonly jobs: DurableJobs,
    readonly graceMs: number,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** Hands this node's grace expiry to the durable jobs (composition root, once). */
  register(ctx: ServiceContext): void {
    this.jobs.handle(
      PRESENCE_JOB,
      (job) => this.expire(ctx, job),
      (key) => this.forget(key.slice(PRESENCE_JOB.length + 1)),
    );
  }

  /** Closed connections of this node whose grace period is still running. */
  get pending(): number {
    return this.userByConnection.size;
  }

  /** A connection that may carry participations closed: they leave after the grace period. */
  connectionClosed(ctx: ServiceContext, connectionId: string, userId: string): void {
    let closed = this.closedByUser.get(userId);
    if (!closed) {
      closed = new Set();
      this.closedByUser.set(userId, closed);
    }
    closed.add(connectionId);
    this.userByConnection.set(connectionId, userId);
    const at = ctx.clock.now().getTime() + this.graceMs;
    const key = presenceKey(connectionId);
    const payload: PresencePayload = { connection_id: connectionId, user_id: userId };
    const write = ctx.store
      .transaction((tx) => this.jobs.put(tx, { key, kind: PRESENCE_JOB, subject: userId, dueAt: at, payload }))
      .then(
        () => this.jobs.wake(key, at),
        // Not written: the participations stay until this node stops (handOver) or dies (node-liveness.ts).
        (err: unknown) => {
          // Bounded: it only grows while the database refuses writes. Past the bound the oldest entry's
          // participations end later, by the other nodes' orphan sweep once this node's row is gone.
          if (this.unwritten.size >= MAX_UNWRITTEN_GRACES) {
            const oldest = this.unwritten.values().next().value;
            if (oldest !== undefined) this.unwritten.delete(oldest);
          }
          this.unwritten.add(connectionId);
          this.onError(err);
        },
      );
    this.writes.add(write);
    void write.finally(() => this.writes.delete(write));
  }

  /**
   * On shutdown (drain), after every connection of this node closed (each got its grace job): the participations are
   * handed over, not ended. Their grace jobs are durable, so the client's reconnect to another node takes them over,
   * or another node's sweep makes them leave when the grace runs out. Only connections whose grace job could not be
   * written leave now (nothing else would end them), with their events committed before the node stops.
   */
  async handOver(ctx: ServiceContext): Promise<void> {
    await Promise.allSettled([...this.writes]);
    const unwritten = [...this.unwritten];
    this.unwritten.clear();
    this.closedByUser.clear();
    this.userByConnection.clear();
    if (unwritten.length > 0) await this.leave(ctx, unwritten);
  }

  /**
   * Moves the user's participations in `cids` from closed connections (of any node) to `connectionId` on this
   * node; returns how many moved. One lookup of the user's grace jobs, whatever the number of calls.
   */
  async takeOver(ctx: ServiceContext, userId: string, cids: readonly string[], connectionId: string): Promise<number> {
    if (cids.length === 0) return 0;
    const closed = await this.closedConnections(ctx, userId);
    if (closed.length === 0) return 0;
    return ctx.store.transaction((tx) => rehomeParticipants(tx, cids, userId, closed, connectionId, ctx.nodeId));
  }

  /** The user joined `cid` again: participations over closed connections leave now. */
  async replace(ctx: ServiceContext, userId: string, cid: string): Promise<void> {
    const closed = await this.closedConnections(ctx, userId);
    if (closed.length === 0) return;
    await this.leave(ctx, closed, cid);
  }

  /** The user's connections in their grace period, closed on this node or any other. */
  private async closedConnections(ctx: ServiceContext, userId: string): Promise<string[]> {
    const ids = new Set(this.closedByUser.get(userId));
    const jobs = await this.jobs.bySubject(ctx.store.read, PRESENCE_JOB, userId);
    for (const job of jobs) ids.add((JSON.parse(job.payload) as PresencePayload).connection_id);
    return [...ids];
  }

  /** The grace period is over (on whichever node claimed the job): what is still attached to the connection leaves. */
  private async expire(ctx: ServiceContext, job: JobRecord): Promise<void> {
    const { connection_id } = JSON.parse(job.payload) as PresencePayload;
    // Each call's leave re-reads its participants under the call's lock: a second run finds nobody to remove.
    await this.leave(ctx, [connection_id]);
    await ctx.store.transaction((tx) => this.jobs.delete(tx, job.key, job.token));
    this.forget(connection_id);
  }

  private forget(connectionId: string): void {
    const userId = this.userByConnection.get(connectionId);
    if (userId === undefined) return;
    this.userByConnection.delete(connectionId);
    const closed = this.closedByUser.get(userId);
    closed?.delete(connectionId);
    if (closed?.size === 0) this.closedByUser.delete(userId);
  }

  /** Ends the live participations over these connections, one transaction per call. */
  private async leave(ctx: ServiceContext, connectionIds: readonly string[], onlyCid?: string): Promise<void> {
    const rows = await activeParticipantsByConnections(ctx.store.read, connectionIds, onlyCid);
    for (const cid of new Set(rows.map((r) => r.call_cid))) {
      await leaveParticipants(ctx, cid, (tx) => activeParticipantsByConnections(tx, connectionIds, cid));
    }
  }
}

/**
 * The live participations of nodes that are gone (no `cluster_nodes` row: dead and reaped, or from before nodes had
 * rows) leave, at most `limit` calls per run; returns how many calls were handled.
 */
export async function leaveOrphans(ctx: ServiceContext, limit: number): Promise<number> {
  const rows = await orphanParticipants(ctx.store.read, undefined, limit);
  const cids = [...new Set(rows.map((r) => r.call_cid))];
  for (const cid of cids) await leaveParticipants(ctx, cid, (tx) => orphanParticipants(tx, cid), true, true);
  return cids.length;
}

/**
 * Participations nobody holds leave once they are older than the owner deadline (`ctx.config.participation`): an
 * HTTP JoinCall whose client never connected its media or a realtime connection, and such rows left behind by an
 * earlier run of the cluster. At most `limit` calls per run; returns how many calls were handled.
 */
export async function leaveUnowned(ctx: ServiceContext, limit: number): Promise<number> {
  const cutoff = new Date(ctx.clock.now().getTime() - ctx.config.participation.ownerDeadlineMs).toISOString();
  const rows = await unownedParticipants(ctx.store.read, cutoff, undefined, limit);
  const cids = [...new Set(rows.map((r) => r.call_cid))];
  for (const cid of cids) await leaveParticipants(ctx, cid, (tx) => unownedParticipants(tx, cutoff, cid), true);
  return cids.length;
}

/**
 * In one transaction holding the call's lock: the participants `pick` returns (re-read under the lock, so
 * concurrent runs on several nodes find nobody left the second time) leave the current session.
 */
async function leaveParticipants(
  ctx: ServiceContext,
  cid: string,
  pick: (tx: Repositories) => Promise<SessionParticipantsTable[]>,
  closeStale = false,
  reaped = false,
): Promise<void> {
  await commit(ctx, async (tx, emit) => {
    const call = await lockCallIfPresent(ctx, tx, cid);
    const sessionId = call?.row.current_session_id;
    const picked = await pick(tx);
    const leaving = picked.filter((p) => p.session_id === sessionId);
    if (call && sessionId) await removeParticipants(ctx, tx, call, sessionId, leaving, emit);
    // Their node was taken for dead: if it was alive after all, it brings back those it still holds (reassert.ts).
    if (reaped && call && sessionId) {
      await markReaped(
        tx,
        leaving.map((p) => p.user_session_id),
        isoNow(ctx.clock),
      );
    }
    // Rows left open in a session that is over (or of a deleted call) would be found again on every run.
    const stale = picked.filter((p) => p.session_id !== sessionId || !call);
    if (closeStale && stale.length > 0) {
      await tx.sessions.markLeft(
        stale.map((p) => p.user_session_id),
        isoNow(ctx.clock),
      );
    }
  });
}

/** The grace job of a closed connection: it exists while that connection's participations wait for a reconnect. */
export const presenceKey = (connectionId: string) => `${PRESENCE_JOB}:${connectionId}`;
