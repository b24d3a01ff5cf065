/**
 * Schema migrations, in code, applied on start by kysely's Migrator. Both dialects run the same steps; the few
 * differences (auto-increment ids, byte-order collation) are chosen from `dialect`.
 */
import { type Kysely, type Migration, type MigrationProvider, Migrator, sql } from 'kysely';
import { clusterMigration } from '../cluster/cluster-migration.js';
import { livenessIndexMigration } from '../cluster/liveness-index-migration.js';
import { unownedIndexMigration } from '../cluster/unowned-index-migration.js';
import { deliveryMigration } from '../delivery/delivery-migration.js';
import { pushMigration } from '../delivery/push/push-migration.js';
import type { Dialect } from './database.js';
import { memberCallsMigration } from './query/member-calls-migration.js';
import { queryIndexesMigration, runningSessionsIndexMigration } from './query/query-indexes-migration.js';

// Migrations are written against the schema as it was at that step, not the current `Database` type, hence `any`.
function migrations(dialect: Dialect): Record<string, Migration> {
  // Byte-wise ordering for ids and timestamps so sorting agrees across dialects (and with JS string order).
  const text = dialect === 'postgres' ? sql`text collate "C"` : sql`text`;
  return {
    '0001_core': {
      // biome-ignore lint/suspicious/noExplicitAny: a migration sees the schema of its own step, not today's `Database`
      async up(db: Kysely<any>) {
        await db.schema
          .createTable('users')
          .addColumn('id', text, (c) => c.primaryKey())
          .addColumn('name', text)
          .addColumn('image', 'text')
          .addColumn('role', text, (c) => c.notNull())
          .addColumn('custom', 'text', (c) => c.notNull())
          .addColumn('teams', 'text', (c) => c.notNull())
          .addColumn('created_at', text, (c) => c.notNull())
          .addColumn('updated_at', text, (c) => c.notNull())
          .addColumn('deleted_at', text)
          .execute();
        await db.schema
          .createTable('call_types')
          .addColumn('name', text, (c) => c.primaryKey())
          .addColumn('grants', 'text', (c) => c.notNull())
          .addColumn('settings', 'text', (c) => c.notNull())
          .addColumn('notification_settings', 'text', (c) => c.notNull())
          .addColumn('created_at', text, (c) => c.notNull())
          .addColumn('updated_at', text, (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('calls')
          .addColumn('cid', text, (c) => c.primaryKey())
          .addColumn('type', text, (c) => c.notNull())
          .addColumn('id', text, (c) => c.notNull())
          .addColumn('created_by_user_id', text, (c) => c.notNull())
          .addColumn('team', text)
          .addColumn('custom', 'text', (c) => c.notNull())
          .addColumn('settings_override', 'text', (c) => c.notNull())
          .addColumn('starts_at', text)
          .addColumn('backstage', 'integer', (c) => c.notNull())
          .addColumn('blocked_user_ids', 'text', (c) => c.notNull())
          .addColumn('created_at', text, (c) => c.notNull())
          .addColumn('updated_at', text, (c) => c.notNull())
          .addColumn('ended_at', text)
          .addColumn('deleted_at', text)
          .addColumn('current_session_id', text)
          .execute();
        await db.schema
          .createTable('call_members')
          .addColumn('call_cid', text, (c) => c.notNull())
          .addColumn('user_id', text, (c) => c.notNull())
          .addColumn('role', text, (c) => c.notNull())
          .addColumn('custom', 'text', (c) => c.notNull())
          .addColumn('created_at', text, (c) => c.notNull())
          .addColumn('updated_at', text, (c) => c.notNull())
          .addPrimaryKeyConstraint('call_members_pk', ['call_cid', 'user_id'])
          .execute();
        await db.schema
          .createIndex('call_members_by_user')
          .on('call_members')
          .columns(['user_id', 'call_cid'])
          .execute();
        await db.schema
          .createIndex('call_members_by_created')
          .on('call_members')
          .columns(['call_cid', 'created_at', 'user_id'])
          .execute();
        await db.schema
          .createTable('call_sessions')
          .addColumn('id', text, (c) => c.primaryKey())
          .addColumn('call_cid', text, (c) => c.notNull())
          .addColumn('created_at', text, (c) => c.notNull())
          .addColumn('started_at', text)
          .addColumn('ended_at', text)
          .addColumn('live_started_at', text)
          .addColumn('live_ended_at', text)
          .addColumn('accepted_by', 'text', (c) => c.notNull())
          .addColumn('rejected_by', 'text', (c) => c.notNull())
          .addColumn('missed_by', 'text', (c) => c.notNull())
          .addColumn('pins', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('call_sessions_by_call').on('call_sessions').columns(['call_cid']).execute();
        await db.schema
          .createTable('session_participants')
          .addColumn('user_session_id', text, (c) => c.primaryKey())
          .addColumn('session_id', text, (c) => c.notNull())
          .addColumn('call_cid', text, (c) => c.notNull())
          .addColumn('user_id', text, (c) => c.notNull())
          .addColumn('role', text, (c) => c.notNull())
          .addColumn('joined_at', text, (c) => c.notNull())
          .addColumn('left_at', text)
          .addColumn('connection_id', text)
          .execute();
        await db.schema
          .createIndex('session_participants_by_session')
          .on('session_participants')
          .columns(['session_id', 'left_at'])
          .execute();
        await db.schema
          .createIndex('session_participants_by_connection')
          .on('session_participants')
          .columns(['connection_id'])
          .execute();
        await db.schema
          .createTable('devices')
          .addColumn('id', text, (c) => c.primaryKey())
          .addColumn('user_id', text, (c) => c.notNull())
          .addColumn('push_provider', text, (c) => c.notNull())
          .addColumn('push_provider_name', text)
          .addColumn('voip_token', 'integer', (c) => c.notNull())
          .addColumn('created_at', text, (c) => c.notNull())
          .execute();
        await db.schema.createIndex('devices_by_user').on('devices').columns(['user_id']).execute();
        await db.schema
          .createTable('outbox')
          .addColumn('id', dialect === 'postgres' ? 'bigserial' : 'integer', (c) =>
            dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement(),
          )
          .addColumn('event_type', text, (c) => c.notNull())
          .addColumn('call_cid', text)
          .addColumn('payload', 'text', (c) => c.notNull())
          .addColumn('created_at', text, (c) => c.notNull())
          .execute();
      },
    },
    '0002_query_indexes': queryIndexesMigration,
    '0100_webhooks_delivery': deliveryMigration(dialect),
    '0110_query_running_sessions': runningSessionsIndexMigration,
    '0120_push_delivery': pushMigration(dialect),
    '0200_cluster_nodes_and_jobs': clusterMigration(dialect),
    '0210_liveness_by_node': livenessIndexMigration,
    '0220_unowned_participants': unownedIndexMigration,
    '0380_member_calls_by_created': memberCallsMigration(dialect),
  };
}

class InlineProvider implements MigrationProvider {
  constructor(private readonly dialect: Dialect) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    return migrations(this.dialect);
  }
}

/** Applies every pending migration; throws (and the server refuses to start) if one fails. */
// biome-ignore lint/suspicious/noExplicitAny: kysely's Migrator takes an untyped Kysely (it creates its own tables)
export async function migrateToLatest(db: Kysely<any>, dialect: Dialect): Promise<void> {
  // On PostgreSQL the Migrator must be told our schema: otherwise it sees its bookkeeping tables in *any* schema of
  // the database (another tenant, another app, a parallel test run), skips creating ours and then fails to find it.
  const migrationTableSchema =
    dialect === 'postgres'
      ? (await sql<{ schema: string }>`select current_schema() as schema`.execute(db)).rows[0]?.schema
      : undefined;
  const migrator = new Migrator({
    db,
    provider: new InlineProvider(dialect),
    ...(migrationTableSchema ? { migrationTableSchema } : {}),
  });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    throw new Error(`migration ${failed?.migrationName ?? ''} failed: ${String(error)}`);
  }
}
