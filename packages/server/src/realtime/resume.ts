/**
 * Resuming a realtime connection after a reconnect (docs/realtime.md "Resuming"): the client names the last event
 * it received (`last_event_id`) and the calls it watched (`watch_call_cids`); the node replays, from the outbox, the
 * events committed after that one which this connection would have received live, then continues live.
 *
 * No gap, no duplicate: the connection is registered (it receives live events) with its watches restored before
 * the outbox is read, and live events are held meanwhile (replay-merge.ts): an event committed before the read is
 * in the replay, one committed after comes live, one in both is sent once.
 *
 * Who gets what: the same rules as live delivery (domain/audience.ts) against the connection's watches and the
 * user's current memberships; a token limited to some calls hears only of those; the block list applies.
 *
 * Commit order: ids are taken before commit, so a row a little below the anchor may have committed after it (and
 * after the client lost its socket). Rows up to {@link LOOKBACK_IDS} ids and {@link LOOKBACK_MS} before the anchor
 * are replayed too; the client drops those it already has by id (the SDK does). Within one call ids follow commit
 * order (both transactions write the call's row), so per-call order holds.
 *
 * Bounds: more than `resumeMaxEvents` candidate rows after the anchor or `resumeMaxBytes` of events, or an anchor
 * not in the outbox
 * (purged after `SWITCHBOARD_OUTBOX_RETENTION_MS`, or never committed), answer `connection.resync` and no replay.
 * The look-back is read with the same bound and does not count towards it.
 */
import {
  type CallEvent,
  ConnectionEventType,
  type ConnectionResyncEvent,
  type ResyncReason,
} from '@switchboard/protocol';
import type { Logger } from 'pino';
import { audienceOf, needsMembers } from '../domain/audience.js';
import { isoNow } from '../domain/clock.js';
import type { ServiceContext } from '../services/context.js';
import { OutboxReplay, type ReplayRow } from '../store/outbox-replay.js';
import type { Connection } from './connection.js';
import type { ConnectionRegistry } from './connection-registry.js';
import { connectionMayReceive } from './event-router.js';
import type { ResumeRequest } from './handshake.js';
import type { WatchAccess } from './watch-access.js';

/** How far below the anchor a late-committing row is looked for (in ids, and in event time). */
export const LOOKBACK_IDS = 10_000;
export const LOOKBACK_MS = 10_000;
/** How long replayed ids are matched against late live copies (a bus message slower than this is not expected). */
export const LATE_COPY_WINDOW_MS = 30_000;

export interface ResumeLimits {
  maxEvents: number;
  maxBytes: number;
}

export type ResumeOutcome = { replayed: number } | { resync: ResyncReason };

export class Resumer {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly registry: ConnectionRegistry,
    private readonly access: WatchAccess,
    private readonly limits: ResumeLimits,
    private readonly logger: Logger,
  ) {}

  /** Before the connection is registered: live events are held from then on until {@link replay} ends. */
  prepare(connection: Connection): void {
    connection.beginReplay();
  }

  /**
   * After it is registered: the resume point `connection.ok` hands out (events after it reach the connection live
   * or by replay). Undefined when the outbox is empty or cannot be read (the client then resumes from its next event).
   */
  async resumePoint(connection: Connection): Promise<string | undefined> {
    try {
      return await new OutboxReplay(this.ctx.store.read.db).newest();
    } catch (err) {
      this.logger.warn({ err, connectionId: connection.id }, 'no resume point for a new connection');
      return undefined;
    }
  }

  /** After it is registered: watches again the calls the client names that its user may still read. */
  async restoreWatches(connection: Connection, request: ResumeRequest): Promise<void> {
    const user = connection.user;
    if (!user) return;
    const scope = user.actor.callCids;
    const named = scope ? request.watchCallCids.filter((cid) => scope.includes(cid)) : request.watchCallCids;
    const allowed = await this.access.watchable(user.userId, named);
    this.registry.watch(connection, allowed);
  }

  /** After `connection.ok`: replays what the client missed (or answers resync), then lets live events through. */
  async replay(connection: Connection, request: ResumeRequest): Promise<ResumeOutcome> {
    try {
      const outcome = await this.replayMissed(connection, request);
      if ('resync' in outcome) connection.sendJson(this.resync(connection, request, outcome.resync));
      return outcome;
    } finally {
      connection.endReplay();
      const timer = setTimeout(() => connection.forgetReplay(), LATE_COPY_WINDOW_MS);
      timer.unref();
      void connection.closed.then(() => clearTimeout(timer));
    }
  }

  /** The restore or the replay threw: the client is told to re-read, and live events flow. */
  failed(connection: Connection, request: ResumeRequest): void {
    connection.endReplay();
    connection.forgetReplay();
    connection.sendJson(this.resync(connection, request, 'replay_failed'));
  }

  private async replayMissed(connection: Connection, request: ResumeRequest): Promise<ResumeOutcome> {
    const user = connection.user;
    if (!user) return { replayed: 0 };
    const outbox = new OutboxReplay(this.ctx.store.read.db);
    const anchor = await outbox.anchor(request.lastEventId);
    if (!anchor) return { resync: 'unknown_event' };
    const watched = new Set(connection.watching);
    const { maxEvents, maxBytes } = this.limits;
    const { after, lookback } = await outbox.after({
      anchor,
      watchedCids: [...watched],
      userId: user.userId,
      lookbackIds: LOOKBACK_IDS,
      lookbackMs: LOOKBACK_MS,
      limit: maxEvents + 1,
    });
    if (after.length > maxEvents) return { resync: 'too_many_events' };
    const due: ReplayRow[] = [];
    const rows = [...lookback, ...after];
    let bytes = 0;
    for (const row of rows) {
      const event = JSON.parse(row.payload) as CallEvent;
      if (!this.reaches(connection, event, watched)) continue;
      bytes += Buffer.byteLength(row.payload);
      if (bytes > maxBytes && row.id > anchor.id) return { resync: 'too_many_events' };
      if (bytes > maxBytes) continue; // look-back rows are a safety net; the bound is for what was missed
      due.push(row);
    }
    let replayed = 0;
    for (const row of due) {
      if (connection.state !== 'open') break;
      if (await connection.replay(row.eventId ?? undefined, Buffer.from(row.payload))) replayed++;
    }
    this.logger.debug({ connectionId: connection.id, replayed }, 'resumed connection replayed missed events');
    return { replayed };
  }

  /**
   * Whether live delivery would have sent `event` to this connection. Rows of calls not watched were read because
   * the user is a member of the call, so membership is known without another query.
   */
  private reaches(connection: Connection, event: CallEvent, watched: ReadonlySet<string>): boolean {
    const userId = connection.userId;
    if (userId === undefined) return false;
    const watches = watched.has(event.call_cid);
    const members = needsMembers(event) && !watches ? [userId] : [];
    const audience = audienceOf(event, members);
    const addressed = (audience.watchers && watches) || audience.users.has(userId);
    return addressed && connectionMayReceive(connection, event);
  }

  private resync(connection: Connection, request: ResumeRequest, reason: ResyncReason): ConnectionResyncEvent {
    return {
      type: ConnectionEventType.ConnectionResync,
      connection_id: connection.id,
      reason,
      last_event_id: request.lastEventId,
      created_at: isoNow(this.ctx.clock),
    };
  }
}
