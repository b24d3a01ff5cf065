/**
 * Random datasets for the differential test: calls (with members, sessions, custom data), users, each generated
 * once as a JS document (what the oracle sees) and inserted as rows (what SQL sees). Small value pools make ties,
 * nulls, missing keys and type mix-ups frequent, which is where query bugs live.
 */
import fc from 'fast-check';
import type { Kysely } from 'kysely';
import type { Database } from '../../src/store/schema.js';

export const TIMES = [
  '2024-03-01T10:00:00.000Z',
  '2024-03-01T10:00:00.001Z',
  '2024-03-02T00:00:00.000Z',
  '2024-06-15T12:30:00.500Z',
  '2025-01-01T00:00:00.000Z',
];
export const USER_IDS = ['u0', 'u1', 'U2', 'u_3', 'u-4', 'alice'];
export const CALL_IDS = ['a', 'A', 'b-1', 'b_1', 'Z9', 'zz', 'call-7', 'x', 'b', 'm0', 'Hello', 'q-q'];
export const CALL_TYPES = ['default', 'audio_room', 'livestream'];
export const TEAMS = ['red', 'blue', 'Red'];
export const ROLES = ['call_member', 'admin', 'host', 'user'];
export const NAMES = ['Alice Smith', 'alice', 'Bob', 'bob marley', 'Zed-Alpha', ''];
export const STRINGS = ['Hello World', 'hello', 'world peace', 'HELLOWORLD', 'x', '', 'a-b', 'Zeta'];
export const NUMBERS = [-2, 0, 1, 1.5, 3, 10];
export const CUSTOM_KEYS = ['a', 'b', 'c'];

export type Json = string | number | boolean | null | { [key: string]: Json };
export type Custom = Record<string, Json>;

const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: null });
const time = fc.constantFrom(...TIMES);
const scalar: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom(...STRINGS),
  fc.constantFrom(...NUMBERS),
  fc.boolean(),
  fc.constant(null),
);
const customValue: fc.Arbitrary<Json> = fc.oneof(
  { weight: 4, arbitrary: scalar },
  { weight: 1, arbitrary: fc.dictionary(fc.constantFrom('x', 'y'), scalar, { maxKeys: 2 }) },
);
// Keys in a fixed order (mingo's object equality is order-free anyway; this keeps failures readable).
export const customArb: fc.Arbitrary<Custom> = fc
  .dictionary(fc.constantFrom(...CUSTOM_KEYS), customValue, { maxKeys: 3 })
  .map((o) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : 1))));

export type SessionState = 'none' | 'rung' | 'live' | 'ended' | 'dangling';

export interface MemberDoc {
  user_id: string;
  role: string;
  custom: Custom;
  created_at: string;
  updated_at: string;
}

export interface CallDoc {
  cid: string;
  id: string;
  type: string;
  team: string | null;
  created_by_user_id: string;
  created_at: string;
  updated_at: string;
  starts_at: string | null;
  ended_at: string | null;
  backstage: boolean;
  deleted: boolean;
  custom: Custom;
  members: MemberDoc[];
  session: SessionState;
}

export interface UserDoc {
  id: string;
  name: string | null;
  role: string;
  custom: Custom;
  created_at: string;
  updated_at: string;
  deleted: boolean;
}

const memberArb = (userId: string): fc.Arbitrary<MemberDoc> =>
  fc.record({
    user_id: fc.constant(userId),
    role: fc.constantFrom(...ROLES),
    custom: customArb,
    created_at: time,
    updated_at: time,
  });

const callArb: fc.Arbitrary<CallDoc> = fc
  .record({
    id: fc.constantFrom(...CALL_IDS),
    type: fc.constantFrom(...CALL_TYPES),
    team: maybe(fc.constantFrom(...TEAMS)),
    created_by_user_id: fc.constantFrom(...USER_IDS),
    created_at: time,
    updated_at: time,
    starts_at: maybe(time),
    ended_at: maybe(time),
    backstage: fc.boolean(),
    deleted: fc.constantFrom(false, false, false, true),
    custom: customArb,
    memberIds: fc.subarray(USER_IDS, { maxLength: 5 }),
    session: fc.constantFrom<SessionState>('none', 'rung', 'live', 'ended', 'dangling'),
  })
  .chain(({ memberIds, ...call }) =>
    fc.tuple(...memberIds.map(memberArb)).map((members) => ({ ...call, cid: `${call.type}:${call.id}`, members })),
  );

export const callsArb = fc.uniqueArray(callArb, { minLength: 2, maxLength: 30, size: 'max', selector: (c) => c.cid });

export const usersArb: fc.Arbitrary<UserDoc[]> = fc.uniqueArray(
  fc.record({
    id: fc.constantFrom(...USER_IDS, ...CALL_IDS),
    name: maybe(fc.constantFrom(...NAMES)),
    role: fc.constantFrom('user', 'admin', 'anonymous'),
    custom: customArb,
    created_at: time,
    updated_at: time,
    deleted: fc.boolean(),
  }),
  { minLength: 2, maxLength: 16, size: 'max', selector: (u) => u.id },
);

/** Multi-row inserts in chunks: SQLite and PostgreSQL cap the number of bound parameters per statement. */
async function insertAll(db: Kysely<Database>, table: keyof Database, rows: readonly object[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 500) {
    // Kysely's per-table insert types do not narrow through a table name chosen at run time.
    await db
      .insertInto(table)
      .values(rows.slice(i, i + 500) as never)
      .execute();
  }
}

/** Replaces the stored calls, members, sessions and users with the dataset's. */
export async function loadDataset(
  db: Kysely<Database>,
  calls: readonly CallDoc[],
  users: readonly UserDoc[],
): Promise<void> {
  for (const table of ['call_members', 'call_sessions', 'calls', 'users'] as const)
    await db.deleteFrom(table).execute();
  const userRows = users.map((u) => ({
    id: u.id,
    name: u.name,
    image: null,
    role: u.role,
    custom: JSON.stringify(u.custom),
    teams: '[]',
    created_at: u.created_at,
    updated_at: u.updated_at,
    deleted_at: u.deleted ? TIMES[0]! : null,
  }));
  await insertAll(db, 'users', userRows);
  const callRows = calls.map((c) => ({
    cid: c.cid,
    type: c.type,
    id: c.id,
    created_by_user_id: c.created_by_user_id,
    team: c.team,
    custom: JSON.stringify(c.custom),
    settings_override: '{}',
    starts_at: c.starts_at,
    backstage: c.backstage ? 1 : 0,
    blocked_user_ids: '[]',
    created_at: c.created_at,
    updated_at: c.updated_at,
    ended_at: c.ended_at,
    deleted_at: c.deleted ? TIMES[4]! : null,
    current_session_id: c.session === 'none' ? null : `s-${c.cid}`,
  }));
  await insertAll(db, 'calls', callRows);
  const members = calls.flatMap((c) =>
    c.members.map((m) => ({ ...m, call_cid: c.cid, custom: JSON.stringify(m.custom) })),
  );
  await insertAll(db, 'call_members', members);
  const sessions = calls
    .filter((c) => c.session !== 'dangling')
    .map((c) => ({
      // 'none' still gets an old, ended session: history must not count as ongoing.
      id: c.session === 'none' ? `old-${c.cid}` : `s-${c.cid}`,
      call_cid: c.cid,
      created_at: TIMES[0]!,
      started_at: c.session === 'rung' ? null : TIMES[1]!,
      ended_at: c.session === 'live' || c.session === 'rung' ? null : TIMES[2]!,
      live_started_at: null,
      live_ended_at: null,
      accepted_by: '{}',
      rejected_by: '{}',
      missed_by: '{}',
      pins: '[]',
    }));
  await insertAll(db, 'call_sessions', sessions);
}
