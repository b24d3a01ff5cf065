/**
 * Migration `0100_webhooks_delivery`: what the outbox relay and webhook delivery keep.
 *
 * - `outbox.event_id` (the id stamped at commit) and `outbox.relayed_at` (when the relay handed the row to the
 *   sinks; null = not yet). The partial index holds only rows still to relay, so the relay's claim reads nothing
 *   else however large the retained history grows.
 * - `app_settings` (one row, id 'app'): the app-wide `webhook_url`.
 * - `event_hooks`: the app's configured hooks, in the order the operator gave them.
 * - `webhook_deliveries`: one row per (event, hook) to deliver, with its status, attempts and schedule. Its
 *   auto-increment id is the order deliveries of one (hook, call) go out in.
 */
import { type Kysely, type Migration, sql } from 'kysely';
import type { Dialect } from '../store/database.js';

export function deliveryMigration(dialect: Dialect): Migration {
  const text = dialect === 'postgres' ? sql`text collate "C"` : sql`text`;
  const bigint = dialect === 'postgres' ? 'bigint' : 'integer';
  return {
    // biome-ignore lint/suspicious/noExplicitAny: a migration sees the schema of its own step, not today's `Database`
    async up(db: Kysely<any>) {
      await db.schema.alterTable('outbox').addColumn('event_id', text).execute();
      await db.schema.alterTable('outbox').addColumn('relayed_at', text).execute();
      await sql`create index outbox_to_relay on outbox (id) where relayed_at is null`.execute(db);
      await db.schema.createIndex('outbox_by_created').on('outbox').columns(['created_at', 'id']).execute();
      await db.schema
        .createTable('app_settings')
        .addColumn('id', text, (c) => c.primaryKey())
        .addColumn('webhook_url', 'text')
        .addColumn('updated_at', text, (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('event_hooks')
        .addColumn('id', text, (c) => c.primaryKey())
        .addColumn('position', 'integer', (c) => c.notNull())
        .addColumn('hook_type', text, (c) => c.notNull())
        .addColumn('enabled', 'integer', (c) => c.notNull())
        .addColumn('event_types', 'text', (c) => c.notNull())
        .addColumn('webhook_url', 'text', (c) => c.notNull())
        .addColumn('timeout_ms', 'integer')
        .addColumn('created_at', text, (c) => c.notNull())
        .addColumn('updated_at', text, (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('webhook_deliveries')
        .addColumn('id', dialect === 'postgres' ? 'bigserial' : 'integer', (c) =>
          dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement(),
        )
        .addColumn('hook_id', text, (c) => c.notNull())
        .addColumn('outbox_id', bigint, (c) => c.notNull())
        .addColumn('event_id', text, (c) => c.notNull())
        .addColumn('event_type', text, (c) => c.notNull())
        .addColumn('call_cid', text, (c) => c.notNull())
        .addColumn('webhook_id', text, (c) => c.notNull())
        .addColumn('status', text, (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('next_attempt_at', text, (c) => c.notNull())
        .addColumn('lease_until', text)
        .addColumn('last_status_code', 'integer')
        .addColumn('last_error', 'text')
        .addColumn('event_created_at', text, (c) => c.notNull())
        .addColumn('created_at', text, (c) => c.notNull())
        .addColumn('updated_at', text, (c) => c.notNull())
        .addColumn('delivered_at', text)
        .execute();
      // The claim: due rows by status; the per-(hook, call) order check; listing and purging.
      await db.schema
        .createIndex('webhook_deliveries_due')
        .on('webhook_deliveries')
        .columns(['status', 'next_attempt_at'])
        .execute();
      // Only open deliveries: the order check looks for an earlier open one, whatever the retained history.
      await sql`create index webhook_deliveries_open_chain on webhook_deliveries (hook_id, call_cid, id)
        where status in ('pending', 'in_flight')`.execute(db);
      await db.schema
        .createIndex('webhook_deliveries_outbox')
        .on('webhook_deliveries')
        .columns(['outbox_id'])
        .execute();
    },
  };
}
