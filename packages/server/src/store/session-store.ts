import { type Kysely, sql } from 'kysely';
import type { Dialect } from './database.js';
import type { CallSessionsTable, Database, SessionParticipantsTable } from './schema.js';
import { inValueList } from './value-list.js';

export class SessionStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: Dialect,
  ) {}

  get(id: string): Promise<CallSessionsTable | undefined> {
    return this.db.selectFrom('call_sessions').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Sessions by id, in one statement. */
  async getMany(ids: readonly string[]): Promise<Map<string, CallSessionsTable>> {
    if (ids.length === 0) return new Map();
    const rows = await this.db
      .selectFrom('call_sessions')
      .selectAll()
      .where(inValueList(this.dialect, sql.ref('id'), ids))
      .execute();
    return new Map(rows.map((r) => [r.id, r]));
  }

  /** `activeParticipants` (all of them) of several sessions in one statement, grouped by session. */
  async activeParticipantsOfSessions(sessionIds: readonly string[]): Promise<Map<string, SessionParticipantsTable[]>> {
    const bySession = new Map<string, SessionParticipantsTable[]>();
    if (sessionIds.length === 0) return bySession;
    const rows = await this.db
      .selectFrom('session_participants')
      .selectAll()
      .where(inValueList(this.dialect, sql.ref('session_id'), sessionIds))
      .where('left_at', 'is', null)
      .orderBy('session_id')
      .orderBy('joined_at')
      .orderBy('user_session_id')
      .execute();
    for (const row of rows) {
      const list = bySession.get(row.session_id);
      if (list) list.push(row);
      else bySession.set(row.session_id, [row]);
    }
    return bySession;
  }

  async insert(row: CallSessionsTable): Promise<void> {
    await this.db.insertInto('call_sessions').values(row).execute();
  }

  async update(id: string, patch: Partial<Omit<CallSessionsTable, 'id' | 'call_cid'>>): Promise<void> {
    await this.db.updateTable('call_sessions').set(patch).where('id', '=', id).execute();
  }

  /** Participants currently in the session (joined and not left), oldest first; the first `limit` when given. */
  activeParticipants(sessionId: string, limit?: number): Promise<SessionParticipantsTable[]> {
    let query = this.db
      .selectFrom('session_participants')
      .selectAll()
      .where('session_id', '=', sessionId)
      .where('left_at', 'is', null)
      .orderBy('joined_at')
      .orderBy('user_session_id');
    if (limit !== undefined) query = query.limit(limit);
    return query.execute();
  }

  /** One user's participations still in the session, oldest first. */
  activeParticipantsOf(sessionId: string, userId: string): Promise<SessionParticipantsTable[]> {
    return this.db
      .selectFrom('session_participants')
      .selectAll()
      .where('session_id', '=', sessionId)
      .where('user_id', '=', userId)
      .where('left_at', 'is', null)
      .orderBy('joined_at')
      .orderBy('user_session_id')
      .execute();
  }

  /** How many participants are in the session, by role. */
  async activeCountByRole(sessionId: string): Promise<Record<string, number>> {
    const rows = await this.db
      .selectFrom('session_participants')
      .select(['role', (eb) => eb.fn.countAll<number | string>().as('n')])
      .where('session_id', '=', sessionId)
      .where('left_at', 'is', null)
      .groupBy('role')
      .execute();
    // fromEntries defines own properties, also for client-chosen role names such as `__proto__`.
    return Object.fromEntries(rows.map((row) => [row.role, Number(row.n)]));
  }

  async addParticipant(row: SessionParticipantsTable): Promise<void> {
    await this.db.insertInto('session_participants').values(row).execute();
  }

  /** The node that now owns the live participation's liveness (its media connection is there). */
  async ownLiveness(userSessionId: string, nodeId: string): Promise<void> {
    await this.db
      .updateTable('session_participants')
      .set({ node_id: nodeId })
      .where('user_session_id', '=', userSessionId)
      .where('left_at', 'is', null)
      .execute();
  }

  async markLeft(userSessionIds: readonly string[], now: string): Promise<void> {
    if (userSessionIds.length === 0) return;
    await this.db
      .updateTable('session_participants')
      .set({ left_at: now })
      .where('user_session_id', 'in', [...userSessionIds])
      .execute();
  }
}
