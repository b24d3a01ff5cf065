/**
 * The `push_deliveries` queue: rows are claimed with a lease (so a node that dies mid-send leaves them due again
 * for another node once the lease runs out; on PostgreSQL with FOR UPDATE SKIP LOCKED, so nodes never claim the
 * same row), and deleted once settled.
 */
import { type Kysely, sql } from 'kysely';
import type { Dialect } from '../../store/database.js';
import type { Database, PushDeliveriesTable } from '../../store/schema.js';

export type PushRow = Omit<PushDeliveriesTable, 'id'> & { id: number };
export type NewPushRow = Omit<PushDeliveriesTable, 'id'>;

export class PushStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: Dialect,
  ) {}

  async insert(rows: readonly NewPushRow[]): Promise<void> {
    // Chunks keep each statement under SQLite's bound-parameter limit.
    for (let i = 0; i < rows.length; i += 500) {
      await this.db
        .insertInto('push_deliveries')
        .values(rows.slice(i, i + 500))
        .execute();
    }
  }

  /** Takes up to `limit` due rows (pending and due, or in flight with an expired lease) and leases them. */
  async claimDue(now: string, limit: number, leaseUntil: string): Promise<PushRow[]> {
    const lock = this.dialect === 'postgres' ? sql`for update skip locked` : sql``;
    const due = await sql<{ id: number | string }>`
      select id from push_deliveries
      where (status = 'pending' and next_attempt_at <= ${now}) or (status = 'in_flight' and lease_until <= ${now})
      order by id limit ${limit} ${lock}`.execute(this.db);
    const ids = due.rows.map((r) => Number(r.id));
    if (ids.length === 0) return [];
    await this.db
      .updateTable('push_deliveries')
      .set((eb) => ({ status: 'in_flight', lease_until: leaseUntil, attempts: eb('attempts', '+', 1) }))
      .where('id', 'in', ids)
      .execute();
    const rows = await this.db.selectFrom('push_deliveries').selectAll().where('id', 'in', ids).orderBy('id').execute();
    return rows.map((r) => ({ ...r, id: Number(r.id), outbox_id: Number(r.outbox_id) }));
  }

  /**
   * Extends the leases of rows this node still sends, each only while it is still that claim (in flight with the
   * same attempt count, raised by every claim): a row another node took over is not extended.
   */
  async renewLeases(rows: readonly { id: number; attempts: number }[], leaseUntil: string): Promise<void> {
    for (let i = 0; i < rows.length; i += 200) {
      const chunk = rows.slice(i, i + 200);
      await this.db
        .updateTable('push_deliveries')
        .set({ lease_until: leaseUntil })
        .where('status', '=', 'in_flight')
        .where(
          'id',
          'in',
          chunk.map((r) => r.id),
        )
        .where((eb) => eb.or(chunk.map((r) => eb.and([eb('id', '=', r.id), eb('attempts', '=', r.attempts)]))))
        .execute();
    }
  }

  /** SQLite at start: claims found were left by a process that died (only this process sends). */
  async releaseAllClaims(): Promise<void> {
    await this.db
      .updateTable('push_deliveries')
      .set({ status: 'pending', lease_until: null })
      .where('status', '=', 'in_flight')
      .execute();
  }

  async settle(ids: readonly number[]): Promise<void> {
    if (ids.length > 0) await this.db.deleteFrom('push_deliveries').where('id', 'in', ids).execute();
  }

  async retryAt(id: number, nextAttemptAt: string, error: string): Promise<void> {
    await this.db
      .updateTable('push_deliveries')
      .set({ status: 'pending', next_attempt_at: nextAttemptAt, lease_until: null, last_error: error.slice(0, 500) })
      .where('id', '=', id)
      .execute();
  }

  /** The earliest future attempt, to sleep until then. */
  async nextDueAt(): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('push_deliveries')
      .select((eb) => eb.fn.min('next_attempt_at').as('at'))
      .where('status', '=', 'pending')
      .executeTakeFirst();
    return (row?.at as string | null | undefined) ?? undefined;
  }

  async payloads(outboxIds: readonly number[]): Promise<Map<number, string>> {
    if (outboxIds.length === 0) return new Map();
    const rows = await this.db
      .selectFrom('outbox')
      .select(['id', 'payload'])
      .where('id', 'in', [...new Set(outboxIds)])
      .execute();
    return new Map(rows.map((r) => [Number(r.id), r.payload]));
  }
}
