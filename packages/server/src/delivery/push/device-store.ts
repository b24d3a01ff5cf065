/** The `devices` table: push tokens per user. Every method runs on the connection or transaction it is given. */
import type { Device, PushProviderType } from '@switchboard/protocol';
import { type Kysely, sql } from 'kysely';
import type { Dialect } from '../../store/database.js';
import type { Database, DevicesTable } from '../../store/schema.js';

export function deviceView(row: DevicesTable): Device {
  return {
    id: row.id,
    user_id: row.user_id,
    push_provider: row.push_provider as PushProviderType,
    ...(row.push_provider_name ? { push_provider_name: row.push_provider_name } : {}),
    voip_token: row.voip_token === 1,
    created_at: row.created_at,
  };
}

export class DeviceStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: Dialect,
  ) {}

  get(id: string): Promise<DevicesTable | undefined> {
    return this.db.selectFrom('devices').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Oldest first (the cap removes from the front). */
  ofUser(userId: string): Promise<DevicesTable[]> {
    return this.db
      .selectFrom('devices')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
  }

  async ofUsers(userIds: readonly string[]): Promise<DevicesTable[]> {
    if (userIds.length === 0) return [];
    return this.db.selectFrom('devices').selectAll().where('user_id', 'in', userIds).execute();
  }

  async byIds(ids: readonly string[]): Promise<DevicesTable[]> {
    if (ids.length === 0) return [];
    return this.db.selectFrom('devices').selectAll().where('id', 'in', ids).execute();
  }

  /**
   * Serialises device changes of one user across nodes (PostgreSQL: the user's row lock; SQLite transactions are
   * serial anyway), so two registrations cannot both see 24 devices and leave 26.
   */
  async lockUser(userId: string): Promise<boolean> {
    const lock = this.dialect === 'postgres' ? sql`for update` : sql``;
    const row = await sql`select id from users where id = ${userId} ${lock}`.execute(this.db);
    return row.rows.length > 0;
  }

  async upsert(row: DevicesTable): Promise<void> {
    await this.db
      .insertInto('devices')
      .values(row)
      .onConflict((oc) =>
        oc.column('id').doUpdateSet({
          user_id: row.user_id,
          push_provider: row.push_provider,
          push_provider_name: row.push_provider_name,
          voip_token: row.voip_token,
          created_at: row.created_at,
        }),
      )
      .execute();
  }

  async remove(ids: readonly string[]): Promise<number> {
    if (ids.length === 0) return 0;
    const result = await this.db.deleteFrom('devices').where('id', 'in', ids).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
