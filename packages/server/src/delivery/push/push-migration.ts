/**
 * Migration `0120_push_delivery`: what push delivery keeps.
 *
 * - `push_providers`: the app's providers in the operator's order, credentials in `config` (JSON, secrets in
 *   full: the API masks them on read).
 * - `push_deliveries`: one row per (event, device) still to send, with its schedule and lease. A row is deleted
 *   once settled (sent, refused for good, or the device is gone), so the table holds only open work; the counts
 *   live on `/metrics`.
 * - `devices_by_user_age`: the per-user cap drops the oldest device without a sort of the user's whole list.
 */
import { type Kysely, type Migration, sql } from 'kysely';
import type { Dialect } from '../../store/database.js';

export function pushMigration(dialect: Dialect): Migration {
  const text = dialect === 'postgres' ? sql`text collate "C"` : sql`text`;
  const bigint = dialect === 'postgres' ? 'bigint' : 'integer';
  return {
    // biome-ignore lint/suspicious/noExplicitAny: a migration sees the schema of its own step, not today's `Database`
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('push_providers')
        .addColumn('name', text, (c) => c.primaryKey())
        .addColumn('position', 'integer', (c) => c.notNull())
        .addColumn('type', text, (c) => c.notNull())
        .addColumn('disabled', 'integer', (c) => c.notNull())
        .addColumn('config', 'text', (c) => c.notNull())
        .addColumn('created_at', text, (c) => c.notNull())
        .addColumn('updated_at', text, (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('push_deliveries')
        .addColumn('id', dialect === 'postgres' ? 'bigserial' : 'integer', (c) =>
          dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement(),
        )
        .addColumn('outbox_id', bigint, (c) => c.notNull())
        .addColumn('event_type', text, (c) => c.notNull())
        .addColumn('call_cid', text, (c) => c.notNull())
        .addColumn('user_id', text, (c) => c.notNull())
        .addColumn('device_id', 'text', (c) => c.notNull())
        .addColumn('status', text, (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('next_attempt_at', text, (c) => c.notNull())
        .addColumn('lease_until', text)
        .addColumn('last_error', 'text')
        .addColumn('created_at', text, (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('push_deliveries_due')
        .on('push_deliveries')
        .columns(['status', 'next_attempt_at'])
        .execute();
      await db.schema.createIndex('push_deliveries_lease').on('push_deliveries').columns(['lease_until']).execute();
      await db.schema.createIndex('devices_by_user_age').on('devices').columns(['user_id', 'created_at']).execute();
    },
  };
}
