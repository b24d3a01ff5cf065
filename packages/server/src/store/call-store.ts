import type { Kysely } from 'kysely';
import type { Dialect } from './database.js';
import type { CallsTable, Database } from './schema.js';

export class CallStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: Dialect,
  ) {}

  /** A live (not soft-deleted) call. */
  get(cid: string): Promise<CallsTable | undefined> {
    return this.db
      .selectFrom('calls')
      .selectAll()
      .where('cid', '=', cid)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
  }

  /** Any row with that cid, soft-deleted or not. */
  getAny(cid: string): Promise<CallsTable | undefined> {
    return this.db.selectFrom('calls').selectAll().where('cid', '=', cid).executeTakeFirst();
  }

  /**
   * The call row (live, or any with `includeDeleted`), locked until the end of the transaction: every transaction
   * that changes a call, its members or its session starts here, so on PostgreSQL they run one after another per
   * call instead of reading and rewriting the same rows side by side. SQLite has no row locks and needs none: its
   * transactions already run one at a time (one connection, one writer), and kysely cannot compile FOR UPDATE
   * for it. Only meaningful inside a transaction.
   */
  getForUpdate(cid: string, options: { includeDeleted?: boolean } = {}): Promise<CallsTable | undefined> {
    let query = this.db.selectFrom('calls').selectAll().where('cid', '=', cid);
    if (!options.includeDeleted) query = query.where('deleted_at', 'is', null);
    if (this.dialect === 'postgres') query = query.forUpdate();
    return query.executeTakeFirst();
  }

  /**
   * Inserts the call unless the cid exists. The primary key is the judge across concurrent requests and nodes:
   * exactly one caller sees `true`.
   */
  async insertIfAbsent(row: CallsTable): Promise<boolean> {
    const result = await this.db
      .insertInto('calls')
      .values(row)
      .onConflict((oc) => oc.column('cid').doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async update(cid: string, patch: Partial<Omit<CallsTable, 'cid' | 'type' | 'id' | 'created_at'>>): Promise<void> {
    await this.db.updateTable('calls').set(patch).where('cid', '=', cid).execute();
  }

  /** Removes the call and everything that hangs off it. */
  async hardDelete(cid: string): Promise<void> {
    await this.db.deleteFrom('session_participants').where('call_cid', '=', cid).execute();
    await this.db.deleteFrom('call_sessions').where('call_cid', '=', cid).execute();
    await this.db.deleteFrom('call_members').where('call_cid', '=', cid).execute();
    await this.db.deleteFrom('calls').where('cid', '=', cid).execute();
  }
}
