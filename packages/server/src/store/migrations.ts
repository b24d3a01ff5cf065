/**
 * Schema migrations, in code, applied on start by kysely's Migrator. Both dialects run the same steps; the few
 * differences (auto-increment ids, byte-order collation) are chosen from `dialect`. They are expand-then-contract
 * (docs/development.md, "Migrations"): a node starts against a schema a newer release migrated, and refuses only a
 * migration marked incompatible with its version (schema-compatibility.ts).
 */
import { type Kysely, type Migration, type MigrationProvider, Migrator, sql } from 'kysely';
import { clusterMigration } from '../cluster/cluster-migration.js';
import { livenessIndexMigration } from '../cluster/liveness-index-migration.js';
import { nodeStatsMigration } from '../cluster/node-stats-migration.js';
import { reapedMarkerMigration } from '../cluster/reaped-marker-migration.js';
import { unownedIndexMigration } from '../cluster/unowned-index-migration.js';
import { deliveryMigration } from '../delivery/delivery-migration.js';
import { pushMigration } from '../delivery/push/push-migration.js';
import { serverVersion } from '../version.js';
import type { Dialect } from './database.js';
import { outboxResumeIndexesMigration } from './outbox-resume-migration.js';
import { memberCallsMigration } from './query/member-calls-migration.js';
import { queryIndexesMigration, runningSessionsIndexMigration } from './query/query-indexes-migration.js';
import {
  compatibilityTableMigration,
  incompatibility,
  readSchemaState,
  recordingMarker,
  type SchemaMigration,
} from './schema-compatibility.js';

// Migrations are written against the schema as it was at that step, not the current `Database` type, hence `any`.
function migrations(dialect: Dialect): Record<string, SchemaMigration> {
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
    '0310_reaped_participations': reapedMarkerMigration,
    '0320_outbox_resume_indexes': outboxResumeIndexesMigration,
    '0350_schema_compatibility': compatibilityTableMigration,
    '0360_cluster_node_stats': nodeStatsMigration,
    '0380_member_calls_by_created': memberCallsMigration(dialect),
  };
}

/**
 * What the Migrator sees: this code's migrations, plus a placeholder for every applied migration it does not know.
 * Those were applied by a newer release (expand-only, see schema-compatibility.ts); kysely's stock check would call
 * them "corrupted migrations: previously executed migration … is missing" and refuse the start, so an older node
 * could never come back during a rolling upgrade or a rollback.
 */
class ToleratingProvider implements MigrationProvider {
  constructor(
    private readonly declared: Record<string, SchemaMigration>,
    private readonly applied: readonly string[],
  ) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    const list: Record<string, Migration> = {};
    for (const name of this.applied) list[name] = appliedByNewerRelease;
    for (const [name, migration] of Object.entries(this.declared)) list[name] = recordingMarker(name, migration);
    return list;
  }
}

/** Stands in for an applied migration this code does not know; applied ones never run again. */
const appliedByNewerRelease: Migration = {
  async up() {
    throw new Error('a migration of a newer release cannot run on this node');
  },
};

/** Migrations added to this code's list at run time, by name: a later capability, or a test playing a later release. */
const registered: Record<string, SchemaMigration> = {};

export function registerMigrations(more: Record<string, SchemaMigration>): void {
  for (const [name, migration] of Object.entries(more)) {
    if (name in registered) throw new Error(`migration ${name} is registered twice`);
    registered[name] = migration;
  }
}

export interface MigrateOptions {
  /** This node's version, compared with compatibility markers; default the package's. */
  version?: string;
  /** Migrations beyond this code's list (what a test plays as a later release's). */
  extra?: Record<string, SchemaMigration>;
}

/** How often a start re-reads the schema when a newer node applied a migration between the read and the lock. */
const MIGRATE_ATTEMPTS = 5;

/**
 * Applies every pending migration of this code; throws (and the server refuses to start) if one fails, or, as a
 * StartupError, if the schema carries a migration marked incompatible with this (older) node. Applied migrations
 * this code does not know are left alone. Nodes starting together migrate once: the Migrator holds a lock (keyed by
 * schema on PostgreSQL, see postgres-own-schema.ts) while it reads what is applied and applies the rest.
 */
// biome-ignore lint/suspicious/noExplicitAny: kysely's Migrator takes an untyped Kysely (it creates its own tables)
export async function migrateToLatest(db: Kysely<any>, dialect: Dialect, options: MigrateOptions = {}): Promise<void> {
  const declared: Record<string, SchemaMigration> = { ...migrations(dialect) };
  for (const [name, migration] of Object.entries({ ...registered, ...options.extra })) {
    if (name in declared) throw new Error(`migration ${name} is declared twice`);
    declared[name] = migration;
  }
  const known = new Set(Object.keys(declared));
  const version = options.version ?? serverVersion();
  // On PostgreSQL the Migrator must be told our schema: otherwise it sees its bookkeeping tables in *any* schema of
  // the database (another tenant, another app, a parallel test run), skips creating ours and then fails to find it.
  const migrationTableSchema =
    dialect === 'postgres'
      ? (await sql<{ schema: string }>`select current_schema() as schema`.execute(db)).rows[0]?.schema
      : undefined;
  for (let attempt = 1; ; attempt++) {
    const state = await readSchemaState(db);
    const refusal = incompatibility(state.markers, known, version);
    if (refusal) throw refusal;
    const migrator = new Migrator({
      db,
      provider: new ToleratingProvider(declared, state.applied),
      // Several releases' migrations (and parallel branches' number ranges) interleave; each is expand-only, so a
      // pending one may run after a later-named one that is applied.
      allowUnorderedMigrations: true,
      ...(migrationTableSchema ? { migrationTableSchema } : {}),
    });
    const { error, results } = await migrator.migrateToLatest();
    // A newer node applied a migration between our read and the Migrator's lock: read again (and check its marker).
    if (error && String(error).includes('previously executed migration') && attempt < MIGRATE_ATTEMPTS) continue;
    const failed = results?.find((r) => r.status === 'Error');
    if (error || failed) {
      throw new Error(`migration ${failed?.migrationName ?? ''} failed: ${String(error)}`);
    }
    return;
  }
}
