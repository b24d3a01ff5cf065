import { type Kysely, sql } from 'kysely';
import type { Dialect } from './database.js';
import type { Database, UsersTable } from './schema.js';
import { inValueList } from './value-list.js';

/** Users. Soft-deleted users (deleted_at set) are still returned by `get`; callers decide what that means. */
export class UserStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: Dialect,
  ) {}

  get(id: string): Promise<UsersTable | undefined> {
    return this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async getMany(ids: readonly string[]): Promise<Map<string, UsersTable>> {
    if (ids.length === 0) return new Map();
    const rows = await this.db
      .selectFrom('users')
      .selectAll()
      // One parameter however many ids (a QueryCalls page asks for every member and participant of its calls).
      .where(inValueList(this.dialect, sql.ref('id'), [...new Set(ids)]))
      .execute();
    return new Map(rows.map((r) => [r.id, r]));
  }

  /** Inserts or replaces each user's fields; `created_at` is kept for existing users. */
  async upsert(rows: readonly UsersTable[]): Promise<void> {
    for (const row of rows) {
      await this.db
        .insertInto('users')
        .values(row)
        .onConflict((oc) =>
          oc.column('id').doUpdateSet({
            name: row.name,
            image: row.image,
            role: row.role,
            custom: row.custom,
            teams: row.teams,
            updated_at: row.updated_at,
            deleted_at: null,
          }),
        )
        .execute();
    }
  }

  /** Inserts the user unless one with its id exists (whatever its state); true when this call inserted it. */
  async insertIfAbsent(row: UsersTable): Promise<boolean> {
    const result = await this.db
      .insertInto('users')
      .values(row)
      .onConflict((oc) => oc.column('id').doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async update(id: string, patch: Partial<Omit<UsersTable, 'id' | 'created_at'>>): Promise<void> {
    await this.db.updateTable('users').set(patch).where('id', '=', id).execute();
  }

  async softDelete(ids: readonly string[], now: string): Promise<void> {
    await this.db.updateTable('users').set({ deleted_at: now, updated_at: now }).where('id', 'in', ids).execute();
  }

  /** Removes the users and every membership they hold. */
  async hardDelete(ids: readonly string[]): Promise<void> {
    await this.db.deleteFrom('call_members').where('user_id', 'in', ids).execute();
    await this.db.deleteFrom('devices').where('user_id', 'in', ids).execute();
    await this.db.deleteFrom('users').where('id', 'in', ids).execute();
  }
}
