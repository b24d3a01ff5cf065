/**
 * Read side of the outbox for resuming WebSockets (realtime/resume.ts): the event a client last received, and the
 * events after it of the calls the connection hears about. Writes stay in outbox-store.ts.
 */
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

export interface ReplayAnchor {
  id: number;
  createdAt: string;
}

export interface ReplayRow {
  id: number;
  eventId: string | null;
  callCid: string;
  payload: string;
}

export interface ReplayQuery {
  anchor: ReplayAnchor;
  /** Calls the connection watches: every event of theirs is a candidate. */
  watchedCids: readonly string[];
  /** The connection's user: events of the calls they are a member of are candidates too. */
  userId: string;
  /**
   * Rows just before the anchor that may have committed after it (a transaction takes its id before it commits):
   * those at most `lookbackIds` ids below the anchor and created at most `lookbackMs` before it are replayed too.
   */
  lookbackIds: number;
  lookbackMs: number;
  /** At most this many rows are read (ask one more than the bound to learn whether it is passed). */
  limit: number;
}

export class OutboxReplay {
  constructor(private readonly db: Kysely<Database>) {}

  /** The outbox row of the event `eventId`; undefined when it is unknown or was purged. */
  async anchor(eventId: string): Promise<ReplayAnchor | undefined> {
    const row = await this.db
      .selectFrom('outbox')
      .select(['id', 'created_at'])
      .where('event_id', '=', eventId)
      .orderBy('id')
      .limit(1)
      .executeTakeFirst();
    return row && { id: Number(row.id), createdAt: row.created_at };
  }

  /** The id of the newest committed event (a fresh connection's resume point); undefined when there is none. */
  async newest(): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('outbox')
      .select('event_id')
      .where('event_id', 'is not', null)
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row?.event_id ?? undefined;
  }

  /**
   * Candidate rows in id order: at most `limit` after the anchor (the caller asks one more than its bound to learn
   * whether it is passed), then those of the look-back window below it (at most `limit` too), merged.
   */
  async after(query: ReplayQuery): Promise<{ after: ReplayRow[]; lookback: ReplayRow[] }> {
    const { anchor } = query;
    const since = new Date(Date.parse(anchor.createdAt) - query.lookbackMs).toISOString();
    const [after, lookback] = await Promise.all([
      this.candidates(query, 'asc').where('id', '>', anchor.id).execute(),
      // The rows nearest the anchor, should the window hold more than the bound.
      this.candidates(query, 'desc')
        .where('id', '>', anchor.id - query.lookbackIds)
        .where('id', '<', anchor.id)
        .where('created_at', '>=', since)
        .execute(),
    ]);
    return { after: after.map(toRow), lookback: lookback.map(toRow).reverse() };
  }

  /** Rows of the calls the connection watches or its user is a member of, in id order. */
  private candidates({ watchedCids, userId, limit }: ReplayQuery, order: 'asc' | 'desc') {
    return this.db
      .selectFrom('outbox')
      .select(['id', 'event_id', 'call_cid', 'payload'])
      .where((eb) => {
        const memberOf = eb(
          'call_cid',
          'in',
          eb.selectFrom('call_members').select('call_cid').where('user_id', '=', userId),
        );
        return watchedCids.length > 0 ? eb.or([eb('call_cid', 'in', [...watchedCids]), memberOf]) : memberOf;
      })
      .orderBy('id', order)
      .limit(limit);
  }
}

function toRow(r: { id: number; event_id: string | null; call_cid: string | null; payload: string }): ReplayRow {
  return { id: Number(r.id), eventId: r.event_id, callCid: r.call_cid ?? '', payload: r.payload };
}
