/**
 * Bare databases for the query-engine tests (no server): the suite-wide fresh databases of
 * test/support/databases.ts — in-memory SQLite, or a PostgreSQL schema of its own dropped on close.
 */
import { type Dialect, openDatabase, type SqlDatabase } from '../../src/store/database.js';
import { freshDatabase } from '../support/databases.js';

export { POSTGRES_URL as PG_URL, postgresSkipReason } from '../support/databases.js';

export interface TestDatabase extends SqlDatabase {}

export async function openTestDatabase(dialect: Dialect): Promise<TestDatabase> {
  const fresh = freshDatabase(dialect);
  let opened: SqlDatabase;
  try {
    opened = await openDatabase(fresh.options);
  } catch (error) {
    await fresh.drop(); // openDatabase creates the schema before migrating; leave nothing behind
    throw error;
  }
  return {
    ...opened,
    async close() {
      await opened.close();
      await fresh.drop();
    },
  };
}
