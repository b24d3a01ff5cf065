import type { Kysely } from 'kysely';
import type { CallTypesTable, Database } from './schema.js';

export class CallTypeStore {
  constructor(private readonly db: Kysely<Database>) {}

  list(): Promise<CallTypesTable[]> {
    return this.db.selectFrom('call_types').selectAll().orderBy('name').execute();
  }

  get(name: string): Promise<CallTypesTable | undefined> {
    return this.db.selectFrom('call_types').selectAll().where('name', '=', name).executeTakeFirst();
  }

  /** Returns false when a type of that name already exists (nothing is written then). */
  async insertIfAbsent(row: CallTypesTable): Promise<boolean> {
    const result = await this.db
      .insertInto('call_types')
      .values(row)
      .onConflict((oc) => oc.column('name').doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async update(name: string, patch: Partial<Omit<CallTypesTable, 'name' | 'created_at'>>): Promise<void> {
    await this.db.updateTable('call_types').set(patch).where('name', '=', name).execute();
  }

  async delete(name: string): Promise<void> {
    await this.db.deleteFrom('call_types').where('name', '=', name).execute();
  }

  /** Whether any call (deleted or not: soft-deleted calls still reference the type) uses the type. */
  async inUse(name: string): Promise<boolean> {
    const row = await this.db.selectFrom('calls').select('cid').where('type', '=', name).limit(1).executeTakeFirst();
    return row !== undefined;
  }
}
