import { type Kysely, sql } from 'kysely';
import type { Dialect } from './database.js';
import type { CallMembersTable, Database } from './schema.js';
import { inValueList } from './value-list.js';

export class MemberStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: Dialect,
  ) {}

  /** Newest first (docs/api.md: members are returned newest-first capped by `members_limit`). */
  listNewest(cid: string, limit: number): Promise<CallMembersTable[]> {
    if (limit <= 0) return Promise.resolve([]);
    return this.db
      .selectFrom('call_members')
      .selectAll()
      .where('call_cid', '=', cid)
      .orderBy('created_at', 'desc')
      .orderBy('user_id', 'desc')
      .limit(limit)
      .execute();
  }

  /**
   * `listNewest` of several calls in one statement: each call's newest `limit` members (newest first), grouped by
   * call. Each call's rows are read from the `(call_cid, created_at, user_id)` index and stop at `limit`, so a call
   * with many members costs no more than one with `limit`.
   */
  async listNewestOfCalls(cids: readonly string[], limit: number): Promise<Map<string, CallMembersTable[]>> {
    const byCall = new Map<string, CallMembersTable[]>();
    if (cids.length === 0 || limit <= 0) return byCall;
    const newest = sql`order by "created_at" desc, "user_id" desc limit ${limit}`;
    // PostgreSQL: a lateral subquery per call; SQLite (no LATERAL): the rowids of each call's newest rows.
    const query =
      this.dialect === 'postgres'
        ? sql<CallMembersTable>`select "m".* from unnest(cast(${[...cids]} as text[])) as "c"("cid")
            cross join lateral (select * from "call_members" where "call_cid" = "c"."cid" ${newest}) as "m"`
        : sql<CallMembersTable>`select "m".* from json_each(${JSON.stringify(cids)}) as "c"
            join "call_members" as "m" on "m"."rowid" in
              (select "rowid" from "call_members" where "call_cid" = "c"."value" ${newest})`;
    const rows = (
      await sql<CallMembersTable>`${query} order by "m"."call_cid", "m"."created_at" desc, "m"."user_id" desc`.execute(
        this.db,
      )
    ).rows;
    for (const row of rows) {
      const list = byCall.get(row.call_cid);
      if (list) list.push(row);
      else byCall.set(row.call_cid, [row]);
    }
    return byCall;
  }

  /** One user's membership rows in any of `cids` (at most one per call). */
  ofUserInCalls(userId: string, cids: readonly string[]): Promise<CallMembersTable[]> {
    if (cids.length === 0) return Promise.resolve([]);
    return this.db
      .selectFrom('call_members')
      .selectAll()
      .where('user_id', '=', userId)
      .where(inValueList(this.dialect, sql.ref('call_cid'), cids))
      .execute();
  }

  get(cid: string, userId: string): Promise<CallMembersTable | undefined> {
    return this.db
      .selectFrom('call_members')
      .selectAll()
      .where('call_cid', '=', cid)
      .where('user_id', '=', userId)
      .executeTakeFirst();
  }

  async getMany(cid: string, userIds: readonly string[]): Promise<CallMembersTable[]> {
    if (userIds.length === 0) return [];
    return this.db
      .selectFrom('call_members')
      .selectAll()
      .where('call_cid', '=', cid)
      .where('user_id', 'in', [...userIds])
      .execute();
  }

  /**
   * Inserts members; a row that already exists is kept as it is (callers hold the call's lock and read the
   * members first, so this only guards against a writer that did not: never a duplicate-key error).
   */
  async insert(rows: readonly CallMembersTable[]): Promise<void> {
    if (rows.length === 0) return;
    await this.db
      .insertInto('call_members')
      .values([...rows])
      .onConflict((oc) => oc.columns(['call_cid', 'user_id']).doNothing())
      .execute();
  }

  async update(
    cid: string,
    userId: string,
    patch: Pick<CallMembersTable, 'role' | 'custom' | 'updated_at'>,
  ): Promise<void> {
    await this.db
      .updateTable('call_members')
      .set(patch)
      .where('call_cid', '=', cid)
      .where('user_id', '=', userId)
      .execute();
  }

  async remove(cid: string, userIds: readonly string[]): Promise<void> {
    if (userIds.length === 0) return;
    await this.db
      .deleteFrom('call_members')
      .where('call_cid', '=', cid)
      .where('user_id', 'in', [...userIds])
      .execute();
  }
}
