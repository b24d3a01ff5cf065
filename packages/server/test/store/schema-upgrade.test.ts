/**
 * Starting against a schema newer than the code (rolling upgrade, rollback): on both databases, a node applies its
 * own missing migrations, leaves the unknown newer ones alone, and refuses only when one of them is marked
 * incompatible with its version. Nodes migrating one schema at the same moment apply each migration once.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { StartupError } from '../../src/app/startup-error.js';
import { migrateToLatest } from '../../src/store/migrations.js';
import { OwnSchemaPostgresDialect } from '../../src/store/postgres-own-schema.js';
import { compareVersions } from '../../src/store/release-version.js';
import type { SchemaMigration } from '../../src/store/schema-compatibility.js';
import { POSTGRES_URL, type TestDialect, testDialects } from '../support/databases.js';
import { nextReleaseContract, nextReleaseExpand } from '../support/next-release.js';

// biome-ignore lint/suspicious/noExplicitAny: the tests look at tables outside the application's `Database` type
type AnyDb = Kysely<any>;

/** One database, opened as often as a test has nodes: each handle is what one node would hold. */
interface SharedDatabase {
  open(): AnyDb;
  drop(): Promise<void>;
}

async function sharedDatabase(dialect: TestDialect): Promise<SharedDatabase> {
  const handles: AnyDb[] = [];
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'switchboard-upgrade-'));
    return {
      open() {
        const file = new SqliteDatabase(join(dir, 'db.sqlite'));
        file.pragma('busy_timeout = 5000');
        const db: AnyDb = new Kysely({ dialect: new SqliteDialect({ database: file }) });
        handles.push(db);
        return db;
      },
      async drop() {
        await Promise.all(handles.map((h) => h.destroy()));
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const schema = `up_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  await admin.query(`create schema "${schema}"`);
  return {
    open() {
      const pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 3, options: `-c search_path="${schema}"` });
      const db: AnyDb = new Kysely({ dialect: new OwnSchemaPostgresDialect({ pool }) });
      handles.push(db);
      return db;
    },
    async drop() {
      await Promise.all(handles.map((h) => h.destroy()));
      try {
        await admin.query(`drop schema if exists "${schema}" cascade`);
      } finally {
        await admin.end();
      }
    },
  };
}

async function appliedNames(db: AnyDb): Promise<string[]> {
  return (await db.selectFrom('kysely_migration').select('name').orderBy('name').execute()).map((r) => r.name);
}

async function hasTable(db: AnyDb, name: string): Promise<boolean> {
  const tables = await db.introspection.getTables();
  return tables.some((t) => t.name === name);
}

const dialects = await testDialects();

it('versions order as releases do, a prerelease before its release', () => {
  assert.equal(compareVersions('0.1.0', '0.2.0'), -1);
  assert.equal(compareVersions('0.10.0', '0.9.3'), 1);
  assert.equal(compareVersions('1.2.3', '1.2.3'), 0);
  assert.equal(compareVersions('0.2.0-rc.1', '0.2.0'), -1);
  assert.equal(compareVersions('0.2.0-rc.2', '0.2.0-rc.1'), 1);
  assert.equal(compareVersions('2.0.0', '10.0.0'), -1);
  assert.throws(() => compareVersions('0.2', '0.2.0'), /not a release version/);
});

for (const dialect of dialects) {
  describe(`upgrades on ${dialect}`, () => {
    it('an older node starts against a schema a newer release migrated, and leaves its migrations alone', async () => {
      const shared = await sharedDatabase(dialect);
      try {
        await migrateToLatest(shared.open(), dialect, { extra: nextReleaseExpand });
        const old = shared.open();
        await migrateToLatest(old, dialect);
        assert.ok((await appliedNames(old)).includes('0358_next_release_expand'));
        assert.ok(await hasTable(old, 'next_release_notes'), 'the newer release table is still there');
        // Starting again (a crashed old node coming back) is as uneventful.
        await migrateToLatest(shared.open(), dialect);
      } finally {
        await shared.drop();
      }
    });

    it('an older node refuses a schema with a migration marked incompatible with its version, naming both', async () => {
      const shared = await sharedDatabase(dialect);
      try {
        await migrateToLatest(shared.open(), dialect, { extra: nextReleaseContract('0.3.0') });
        const markers = await shared.open().selectFrom('schema_compatibility').selectAll().execute();
        assert.deepEqual(
          markers.map((m) => [m.migration, m.requires_version]),
          [['0359_next_release_contract', '0.3.0']],
        );
        await assert.rejects(
          migrateToLatest(shared.open(), dialect, { version: '0.2.9' }),
          (err: unknown) =>
            err instanceof StartupError &&
            err.message.includes('migration 0359_next_release_contract') &&
            err.message.includes('needs Switchboard 0.3.0 or later') &&
            err.message.includes('this node is 0.2.9'),
        );
        // The version the marker names runs, though it does not know the migration (it was written for it)...
        await migrateToLatest(shared.open(), dialect, { version: '0.3.0' });
        // ...and so does any node that knows the migration, whatever its version.
        await migrateToLatest(shared.open(), dialect, {
          version: '0.1.0',
          extra: nextReleaseContract('0.3.0'),
        });
      } finally {
        await shared.drop();
      }
    });

    it('a node applies its own pending migration named before an applied newer one (parallel number ranges)', async () => {
      const shared = await sharedDatabase(dialect);
      try {
        await migrateToLatest(shared.open(), dialect, { extra: nextReleaseExpand });
        const branch: Record<string, SchemaMigration> = {
          '0301_other_branch': {
            async up(db: AnyDb) {
              await db.schema
                .createTable('other_branch')
                .addColumn('id', 'text', (c) => c.primaryKey())
                .execute();
            },
          },
        };
        const node = shared.open();
        await migrateToLatest(node, dialect, { extra: branch });
        const applied = await appliedNames(node);
        assert.ok(applied.includes('0301_other_branch') && applied.includes('0358_next_release_expand'));
        assert.ok(await hasTable(node, 'other_branch'));
      } finally {
        await shared.drop();
      }
    });

    // SQLite serves one node per database file; kysely's SQLite adapter takes no migration lock.
    if (dialect === 'postgres')
      it('nodes of two releases migrating one fresh schema at once apply every migration once', async () => {
        const shared = await sharedDatabase(dialect);
        try {
          const nodes = [shared.open(), shared.open(), shared.open(), shared.open()];
          await Promise.all(
            nodes.map((db, i) => migrateToLatest(db, dialect, i % 2 === 0 ? { extra: nextReleaseExpand } : {})),
          );
          const counts = await sql<{ name: string; n: number }>`
          select name, count(*) as n from kysely_migration group by name`.execute(nodes[0] as AnyDb);
          assert.ok(counts.rows.some((r) => r.name === '0358_next_release_expand'));
          assert.ok(counts.rows.every((r) => Number(r.n) === 1));
          assert.ok(await hasTable(nodes[0] as AnyDb, 'next_release_notes'));
        } finally {
          await shared.drop();
        }
      });
  });
}
