/**
 * Which applied migrations older code cannot run against. Migrations are expand-then-contract (docs/development.md
 * "Migrations"): a release only adds what older code ignores, so a node starts against a schema newer than itself.
 * The exception is a contract step (dropping or renaming what some older release still uses): its migration carries
 * a marker, recorded in `schema_compatibility` in the same transaction as the migration, naming the oldest version
 * that still works. A node that does not know such a migration and is older than that version refuses to start,
 * with a message naming the migration and the version needed, instead of failing later on a missing column.
 */
import type { Kysely, Migration } from 'kysely';
import { StartupError } from '../app/startup-error.js';
import { compareVersions, isReleaseVersion } from './release-version.js';

export const COMPATIBILITY_TABLE = 'schema_compatibility';
/** kysely's own bookkeeping table: one row per applied migration. */
export const MIGRATION_TABLE = 'kysely_migration';

export interface IncompatibleWithOlder {
  /** The oldest Switchboard version that runs against the schema once this migration is applied. */
  requires: string;
  /** What older code would trip over, said for the operator. */
  reason: string;
}

/** A migration as the list declares it: kysely's, plus the marker of a contract step. */
export interface SchemaMigration extends Migration {
  incompatibleWithOlder?: IncompatibleWithOlder;
}

export interface CompatibilityMarker extends IncompatibleWithOlder {
  migration: string;
}

/** What the database says about its schema before this node migrates anything. */
export interface SchemaState {
  applied: string[];
  markers: CompatibilityMarker[];
}

// biome-ignore lint/suspicious/noExplicitAny: the marker table is not part of the application's `Database` type
type AnyDb = Kysely<any>;

async function createCompatibilityTable(db: AnyDb): Promise<void> {
  await db.schema
    .createTable(COMPATIBILITY_TABLE)
    .ifNotExists()
    .addColumn('migration', 'text', (c) => c.primaryKey())
    .addColumn('requires_version', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('applied_at', 'text', (c) => c.notNull())
    .execute();
}

/** Creates the marker table, so the first contract migration of a later release finds it. */
export const compatibilityTableMigration: Migration = {
  async up(db: AnyDb) {
    await createCompatibilityTable(db);
  },
};

/**
 * kysely's form of a declared migration: a marked one also records its marker, in the migration's own transaction
 * (the Migrator runs under its lock, so creating the table here too cannot race another node).
 */
export function recordingMarker(name: string, migration: SchemaMigration): Migration {
  const marker = migration.incompatibleWithOlder;
  if (!marker) return { up: migration.up, ...(migration.down ? { down: migration.down } : {}) };
  if (!isReleaseVersion(marker.requires)) {
    throw new Error(`migration ${name}: incompatibleWithOlder.requires is not a version: ${marker.requires}`);
  }
  return {
    async up(db: AnyDb) {
      await migration.up(db);
      await createCompatibilityTable(db);
      await db
        .insertInto(COMPATIBILITY_TABLE)
        .values({
          migration: name,
          requires_version: marker.requires,
          reason: marker.reason,
          applied_at: new Date().toISOString(),
        })
        .execute();
    },
  };
}

/** Applied migrations and recorded markers; both empty on a fresh database. */
export async function readSchemaState(db: AnyDb): Promise<SchemaState> {
  const tables = new Set((await db.introspection.getTables({ withInternalKyselyTables: true })).map((t) => t.name));
  const applied = tables.has(MIGRATION_TABLE)
    ? (await db.selectFrom(MIGRATION_TABLE).select('name').execute()).map((r) => String(r.name))
    : [];
  const markers = tables.has(COMPATIBILITY_TABLE)
    ? (
        await db
          .selectFrom(COMPATIBILITY_TABLE)
          .select(['migration', 'requires_version', 'reason'])
          .orderBy('migration')
          .execute()
      ).map((r) => ({ migration: String(r.migration), requires: String(r.requires_version), reason: String(r.reason) }))
    : [];
  return { applied, markers };
}

/**
 * The start-up refusal, when an applied migration this node does not know was marked incompatible with versions
 * as old as this one; undefined when the node may run. A node that knows a migration was written together with it.
 */
export function incompatibility(
  markers: readonly CompatibilityMarker[],
  known: ReadonlySet<string>,
  version: string,
): StartupError | undefined {
  for (const marker of markers) {
    if (known.has(marker.migration)) continue;
    // A marker this code cannot read was written by a newer release: refusing is the safe reading.
    const older = !isReleaseVersion(marker.requires) || compareVersions(version, marker.requires) < 0;
    if (!older) continue;
    return new StartupError(
      `the database schema is newer than this node: migration ${marker.migration} (${marker.reason}) needs ` +
        `Switchboard ${marker.requires} or later, and this node is ${version}: start version ${marker.requires} ` +
        `or later against this database (docs/operations.md, "Upgrades")`,
    );
  }
  return undefined;
}
