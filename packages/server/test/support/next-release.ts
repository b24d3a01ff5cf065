/**
 * The migrations a later release would add, as test data: today's code plus these is "the new release", today's code
 * alone "the old one". The expand step is what every release may do (a new table, a nullable column the old code
 * never reads); the contract step (dropping that table) is marked incompatible with versions older than `requires`.
 */
import type { Kysely } from 'kysely';
import type { SchemaMigration } from '../../src/store/schema-compatibility.js';

// biome-ignore lint/suspicious/noExplicitAny: a migration sees the schema of its own step, not today's `Database`
type AnyDb = Kysely<any>;

export const EXPAND_MIGRATION = '0358_next_release_expand';
export const CONTRACT_MIGRATION = '0359_next_release_contract';

export const nextReleaseExpand: Record<string, SchemaMigration> = {
  [EXPAND_MIGRATION]: {
    async up(db: AnyDb) {
      await db.schema
        .createTable('next_release_notes')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .execute();
      await db.schema.alterTable('calls').addColumn('next_release_note', 'text').execute();
    },
  },
};

/** The expand step and, a release later, the contract step that older code than `requires` cannot run against. */
export function nextReleaseContract(requires: string): Record<string, SchemaMigration> {
  return {
    ...nextReleaseExpand,
    [CONTRACT_MIGRATION]: {
      async up(db: AnyDb) {
        await db.schema.dropTable('next_release_notes').execute();
      },
      incompatibleWithOlder: { requires, reason: 'call notes moved to a table older code does not fill' },
    },
  };
}
