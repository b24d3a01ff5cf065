import type { Kysely } from 'kysely';
import type { CallMembersTable, Database } from './schema.js';

export class MemberStore {
  constructor(private readonly db: Kysely<Database>) {}

  /** Newest first (docs/api.md: members are returned newest-first capped by `members_limit`). */
  listNewest(cid: string, limit: number): Promise<CallMembersTable[]> {
    if (limit <= 0) return Promise.resolve([]);
    return this.db
      .selectFrom('call_members')
      .selectAll()
      .where('call_cid', '=', cid)
      .orderBy('created_at', 'desc')
      .orderBy('user_id', 'desc')
      .limit(limit)
      .execute();
  }

  get(cid: string, userId: string): Promise<CallMembersTable | undefined> {
    return this.db
      .selectFrom('call_members')
      .selectAll()
      .where('call_cid', '=', cid)
      .where('user_id', '=', userId)
      .executeTakeFirst();
  }

  async getMany(cid: string, userIds: readonly string[]): Promise<CallMembersTable[]> {
    if (userIds.length === 0) return [];
    return this.db
      .selectFrom('call_members')
      .selectAll()
      .where('call_cid', '=', cid)
      .where('user_id', 'in', [...userIds])
      .execute();
  }

  /**
   * Inserts members; a row that already exists is kept as it is (callers hold the call's lock and read the
   * members first, so this only guards against a writer that did not: never a duplicate-key error).
   */
  async insert(rows: readonly CallMembersTable[]): Promise<void> {
    if (rows.length === 0) return;
    await this.db
      .insertInto('call_members')
      .values([...rows])
      .onConflict((oc) => oc.columns(['call_cid', 'user_id']).doNothing())
      .execute();
  }

  async update(
    cid: string,
    userId: string,
    patch: Pick<CallMembersTable, 'role' | 'custom' | 'updated_at'>,
  ): Promise<void> {
    await this.db
      .updateTable('call_members')
      .set(patch)
      .where('call_cid', '=', cid)
      .where('user_id', '=', userId)
      .execute();
  }

  async remove(cid: string, userIds: readonly string[]): Promise<void> {
    if (userIds.length === 0) return;
    await this.db
      .deleteFrom('call_members')
      .where('call_cid', '=', cid)
      .where('user_id', 'in', [...userIds])
      .execute();
  }
}
