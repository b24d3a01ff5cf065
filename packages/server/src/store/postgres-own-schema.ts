/**
 * PostgreSQL as kysely sees it, limited to the connection's own schema (`current_schema()`, set per pool through
 * `search_path`). Several Switchboard databases (tenants, parallel test runs) share one PostgreSQL database, one
 * schema each, and create and drop their schemas independently. kysely's stock dialect breaks that in two places
 * that only its Migrator uses:
 *
 * - its introspector reads the catalog rows of every schema and resolves each table by name
 *   (`pg_get_serial_sequence('<schema>.<table>', …)`): a `drop schema … cascade` elsewhere between the two steps
 *   fails the migration with `schema "…" does not exist`;
 * - its migration lock is one advisory lock for the whole database, so every schema's migration waits for all
 *   the others.
 *
 * Here introspection reads the own schema only and the migration lock is keyed by schema: two nodes sharing a
 * schema still migrate one at a time, different schemas do not wait for (or fail because of) each other.
 */
import {
  type DatabaseIntrospector,
  type DatabaseMetadata,
  type DatabaseMetadataOptions,
  type DialectAdapter,
  type Kysely,
  PostgresAdapter,
  PostgresDialect,
  type SchemaMetadata,
  sql,
  type TableMetadata,
} from 'kysely';

/** The first key of our two-key advisory locks (the second is the schema name's hash): "SwBd". */
const MIGRATION_LOCK_CLASS = 0x53774264;

export class OwnSchemaPostgresDialect extends PostgresDialect {
  override createAdapter(): DialectAdapter {
    return new OwnSchemaPostgresAdapter();
  }

  // biome-ignore lint/suspicious/noExplicitAny: kysely's Dialect interface hands an untyped Kysely
  override createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new OwnSchemaIntrospector(db);
  }
}

class OwnSchemaPostgresAdapter extends PostgresAdapter {
  // biome-ignore lint/suspicious/noExplicitAny: as in kysely's DialectAdapter
  override async acquireMigrationLock(db: Kysely<any>): Promise<void> {
    await sql`select pg_advisory_lock(${sql.lit(MIGRATION_LOCK_CLASS)}, hashtext(current_schema()))`.execute(db);
  }

  // biome-ignore lint/suspicious/noExplicitAny: as in kysely's DialectAdapter
  override async releaseMigrationLock(db: Kysely<any>): Promise<void> {
    await sql`select pg_advisory_unlock(${sql.lit(MIGRATION_LOCK_CLASS)}, hashtext(current_schema()))`.execute(db);
  }
}

interface ColumnRow {
  schema: string;
  table: string;
  table_type: string;
  column: string;
  type: string;
  type_schema: string;
  not_null: boolean;
  has_default: boolean;
  auto_incrementing: string | null;
  column_description: string | null;
}

class OwnSchemaIntrospector implements DatabaseIntrospector {
  // biome-ignore lint/suspicious/noExplicitAny: see OwnSchemaPostgresDialect
  constructor(private readonly db: Kysely<any>) {}

  /** Listing schema names touches no relation, so it cannot race a drop. */
  async getSchemas(): Promise<SchemaMetadata[]> {
    const rows = await sql<{ name: string }>`select nspname as name from pg_catalog.pg_namespace`.execute(this.db);
    return rows.rows.map((r) => ({ name: r.name }));
  }

  /** Tables and views of the own schema (kysely's bookkeeping tables included: the Migrator looks for them). */
  async getTables(): Promise<TableMetadata[]> {
    const { rows } = await sql<ColumnRow>`
      select ns.nspname as schema, c.relname as table, c.relkind as table_type, a.attname as column,
             typ.typname as type, dtns.nspname as type_schema, a.attnotnull as not_null,
             a.atthasdef as has_default,
             pg_get_serial_sequence(quote_ident(ns.nspname) || '.' || quote_ident(c.relname), a.attname)
               as auto_incrementing,
             col_description(a.attrelid, a.attnum) as column_description
        from pg_catalog.pg_attribute a
        join pg_catalog.pg_class c on a.attrelid = c.oid
        join pg_catalog.pg_namespace ns on c.relnamespace = ns.oid
        join pg_catalog.pg_type typ on a.atttypid = typ.oid
        join pg_catalog.pg_namespace dtns on typ.typnamespace = dtns.oid
       where ns.nspname = current_schema()
         and c.relkind in ('r', 'v', 'p')
         and a.attnum >= 0
         and not a.attisdropped
       order by c.relname, a.attnum`.execute(this.db);
    const tables = new Map<string, TableMetadata & { columns: TableMetadata['columns'][number][] }>();
    for (const row of rows) {
      let table = tables.get(row.table);
      if (!table) {
        table = { name: row.table, schema: row.schema, isView: row.table_type === 'v', columns: [] };
        tables.set(row.table, table);
      }
      table.columns.push({
        name: row.column,
        dataType: row.type,
        dataTypeSchema: row.type_schema,
        isNullable: !row.not_null,
        hasDefaultValue: row.has_default,
        isAutoIncrementing: row.auto_incrementing !== null,
        ...(row.column_description !== null ? { comment: row.column_description } : {}),
      });
    }
    return [...tables.values()];
  }

  async getMetadata(_options?: DatabaseMetadataOptions): Promise<DatabaseMetadata> {
    return { tables: await this.getTables() };
  }
}
