/**
 * Migration `0380_member_calls_by_created`: "the calls I am a member of, newest first" answered from one index.
 *
 * A user who may read calls only as a member (no call type grants their role `read-call`) sees a sliver of the
 * calls: walking the calls in sort order and probing membership reads ~200 calls per hit at 1M calls (hundreds of
 * milliseconds on PostgreSQL). Walking the user's memberships in sort order reads only the rows it returns. That
 * needs the call's sort key on the member row: `call_created_at`, the call's `created_at`, which never changes once
 * the call exists, so copying it costs nothing on updates.
 *
 * A trigger fills it on insert (the call row always exists first), so every writer (this release, an older one
 * during a rolling upgrade, a hand-written import) keeps the index complete without knowing about the column; rows
 * from before this migration are backfilled here. query-calls.ts reads it for member-only visibility with the
 * default sort.
 */
import { type Kysely, type Migration, sql } from 'kysely';
import type { Dialect } from '../database.js';

export const MEMBER_CALLS_INDEX = 'call_members_q_user_created';
export const MEMBER_CALLS_INDEX_DEFINITION = 'on call_members (user_id, call_created_at, call_cid)';

export function memberCallsMigration(dialect: Dialect): Migration {
  return {
    // biome-ignore lint/suspicious/noExplicitAny: a migration sees the schema of its own step, not today's `Database`
    async up(db: Kysely<any>) {
      const text = dialect === 'postgres' ? sql`text collate "C"` : sql`text`;
      await sql`alter table call_members add column call_created_at ${text}`.execute(db);
      await sql`update call_members set call_created_at =
        (select created_at from calls where calls.cid = call_members.call_cid)`.execute(db);
      await sql.raw(`create index ${MEMBER_CALLS_INDEX} ${MEMBER_CALLS_INDEX_DEFINITION}`).execute(db);
      if (dialect === 'postgres') {
        await sql`create or replace function call_members_fill_call_created_at() returns trigger as $$
          begin
            if new.call_created_at is null then
              select created_at into new.call_created_at from calls where cid = new.call_cid;
            end if;
            return new;
          end $$ language plpgsql`.execute(db);
        await sql`create trigger call_members_fill_call_created_at before insert on call_members
          for each row execute function call_members_fill_call_created_at()`.execute(db);
      } else {
        await sql`create trigger call_members_fill_call_created_at after insert on call_members
          for each row when new.call_created_at is null
          begin
            update call_members set call_created_at = (select created_at from calls where cid = new.call_cid)
              where call_cid = new.call_cid and user_id = new.user_id;
          end`.execute(db);
      }
    },
  };
}
