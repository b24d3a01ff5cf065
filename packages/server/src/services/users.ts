/**
 * User use cases: UpsertUsers, UpdateUsersPartial, QueryUsers, DeleteUsers. Writing users is for server tokens;
 * a user token may only write itself and never change its own role.
 */
import {
  type Custom,
  type DeleteUsersRequest,
  GlobalRole,
  type QueryPageCursors,
  type UpdateUsersPartialRequest,
  type User,
  type UserRequest,
} from '@switchboard/protocol';
import type { Actor } from '../domain/actor.js';
import { isoNow } from '../domain/clock.js';
import { authFailed, inputError, notAllowed, notFound } from '../domain/errors.js';
import { parseStoredJson } from '../domain/json-depth.js';
import type { PageRequest } from '../domain/query/page-request.js';
import { toJson } from '../store/json.js';
import { queryUsers as selectUsers } from '../store/query/query-users.js';
import type { UsersTable } from '../store/schema.js';
import type { Repositories } from '../store/store.js';
import { endRevokedOfUsers } from './access-revocation.js';
import { commit, type ServiceContext } from './context.js';
import { cursorSecret, pageCursors } from './query-paging.js';
import { userView } from './views.js';

/** The live (not deleted) user, or an input error naming `field`: for ids a request names as existing users. */
export async function requireExistingUser(tx: Repositories, userId: string, field: string): Promise<UsersTable> {
  return existingUser(await tx.users.get(userId), userId, field);
}

/** `user` (read for `userId`) unless it is missing or deleted: then the input error requireExistingUser gives. */
export function existingUser(user: UsersTable | undefined, userId: string, field: string): UsersTable {
  if (!user || user.deleted_at !== null) throw inputError(`user ${userId} does not exist`, field);
  return user;
}

function requireMayWrite(actor: Actor, userId: string, changesRole: boolean): void {
  if (actor.kind === 'server') return;
  if (actor.kind === 'user' && actor.userId === userId && !changesRole) return;
  throw notAllowed(`not allowed to update user ${userId}`);
}

/** Creates or replaces users (fields not sent are cleared, `created_at` kept). */
export async function upsertUserRows(
  tx: Repositories,
  users: readonly UserRequest[],
  now: string,
): Promise<UsersTable[]> {
  const existing = await tx.users.getMany(users.map((u) => u.id));
  const rows = users.map(
    (u): UsersTable => ({
      id: u.id,
      name: u.name ?? null,
      image: u.image ?? null,
      role: u.role ?? existing.get(u.id)?.role ?? GlobalRole.USER,
      custom: toJson(u.custom ?? {}),
      teams: toJson(u.teams ?? []),
      created_at: existing.get(u.id)?.created_at ?? now,
      updated_at: now,
      deleted_at: null,
    }),
  );
  await tx.users.upsert(rows);
  return rows;
}

export async function upsertUsers(
  ctx: ServiceContext,
  actor: Actor,
  users: Record<string, UserRequest>,
): Promise<Record<string, User>> {
  const list = Object.entries(users).map(([key, u]) => {
    if (key !== u.id) throw inputError(`users key ${key} does not match its id ${u.id}`, `users.${key}.id`);
    requireMayWrite(actor, u.id, u.role !== undefined && actor.kind === 'user' && u.role !== actor.role);
    return u;
  });
  const rows = await commit(ctx, (tx) => upsertUserRows(tx, list, isoNow(ctx.clock)));
  const roleChanged = list.filter((u) => u.role !== undefined).map((u) => u.id);
  // User details appear inside call views; every node drops them and re-checks watches of users whose role changed.
  await ctx.bus.notify({
    kind: 'users_changed',
    user_ids: list.map((u) => u.id),
    role_changed: roleChanged,
    deleted: [],
  });
  await endRevokedOfUsers(ctx, roleChanged);
  return Object.fromEntries(rows.map((r) => [r.id, userView(r)]));
}

export async function updateUsersPartial(
  ctx: ServiceContext,
  actor: Actor,
  req: UpdateUsersPartialRequest,
): Promise<Record<string, User>> {
  for (const u of req.users) {
    requireMayWrite(actor, u.id, u.set?.role !== undefined && actor.kind === 'user' && u.set.role !== actor.role);
  }
  const updated = await commit(ctx, async (tx) => {
    const now = isoNow(ctx.clock);
    // A Map, then own properties: a user id may be `__proto__`, which assigning to a plain object would swallow.
    const out = new Map<string, User>();
    for (const [i, u] of req.users.entries()) {
      const row = await tx.users.get(u.id);
      if (!row || row.deleted_at !== null) throw inputError(`user ${u.id} does not exist`, `users[${i}].id`);
      const next: UsersTable = { ...row, updated_at: now };
      const set = u.set ?? {};
      if (set.name !== undefined) next.name = set.name;
      if (set.image !== undefined) next.image = set.image;
      if (set.role !== undefined) next.role = set.role;
      if (set.teams !== undefined) next.teams = toJson(set.teams);
      // `set.custom` merges key by key into the stored custom data, as a partial update should; the merged
      // object is bounded like any custom a client writes, or repeated partial updates would grow it forever.
      if (set.custom !== undefined) {
        next.custom = toJson({ ...parseStoredJson(row.custom, {}), ...set.custom });
        const limit = ctx.config.limits.maxCustomBytes;
        if (Buffer.byteLength(next.custom) > limit) {
          throw inputError(`custom would be over ${limit} bytes of JSON after the update`, `users[${i}].set.custom`);
        }
      }
      for (const field of u.unset ?? []) {
        if (field === 'name') next.name = null;
        if (field === 'image') next.image = null;
        if (field === 'custom') next.custom = '{}';
        if (field === 'teams') next.teams = '[]';
      }
      const { id: _id, created_at: _c, ...patch } = next;
      await tx.users.update(u.id, patch);
      out.set(u.id, userView(next));
    }
    return Object.fromEntries(out) as Record<string, User>;
  });
  const roleChanged = req.users.filter((u) => u.set?.role !== undefined).map((u) => u.id);
  await ctx.bus.notify({
    kind: 'users_changed',
    user_ids: req.users.map((u) => u.id),
    role_changed: roleChanged,
    deleted: [],
  });
  await endRevokedOfUsers(ctx, roleChanged);
  return updated;
}

/**
 * QueryUsers (`GET /users?payload=`): one page of live users, filtered, sorted and paged by the query engine
 * (`id`, `name`, `role`, `created_at`, `updated_at`, `custom.<key>`; oldest first by default; `offset` or the
 * `next` / `prev` cursors). Every invalid part of the payload is an input error naming its field. Server tokens
 * and users may query users; anonymous clients may not (the list carries every user's role and custom data).
 */
export async function queryUsers(
  ctx: ServiceContext,
  actor: Actor,
  payload: PageRequest & { offset?: unknown },
): Promise<{ users: User[] } & QueryPageCursors> {
  if (actor.kind === 'anonymous') throw notAllowed('anonymous clients may not query users');
  const page = await selectUsers(ctx.store.db, ctx.store.dialect, payload, { secret: cursorSecret(ctx.config) });
  return { users: page.rows.map((r) => userView(r)), ...pageCursors(page) };
}

export async function deleteUsers(ctx: ServiceContext, actor: Actor, req: DeleteUsersRequest): Promise<string[]> {
  if (actor.kind !== 'server') throw notAllowed('only server-side auth may delete users');
  const deleted = await commit(ctx, async (tx) => {
    const found = await tx.users.getMany(req.user_ids);
    const missing = req.user_ids.find((id) => !found.has(id));
    if (missing !== undefined) throw notFound(`user ${missing} does not exist`);
    if (req.user === 'hard') await tx.users.hardDelete(req.user_ids);
    else await tx.users.softDelete(req.user_ids, isoNow(ctx.clock));
    return req.user_ids;
  });
  // Closes their connections anywhere.
  await ctx.bus.notify({ kind: 'users_changed', user_ids: deleted, role_changed: [], deleted });
  await endRevokedOfUsers(ctx, deleted); // and ends their participations, media included
  return deleted;
}

/** What a realtime client may say about its own user when it connects (`user_details`). */
export interface ConnectingUserDetails {
  name?: string;
  image?: string;
  custom?: Custom;
}

/**
 * The realtime handshake's write (docs/api.md "Realtime connection"): creates the token's user when missing (role
 * `user`); otherwise applies changed `name` / `image` / `custom`. Writes nothing when nothing changes; never
 * touches `role` or `teams`; refuses a deleted user.
 */
export async function ensureConnectingUser(
  ctx: ServiceContext,
  userId: string,
  details?: ConnectingUserDetails,
): Promise<UsersTable> {
  let existing = await ctx.store.read.users.get(userId);
  const now = isoNow(ctx.clock);
  if (!existing) {
    // Only ever an insert: a user created meanwhile by anyone else (another handshake, an UpsertUsers with a role
    // and teams) is not overwritten, but treated as existing below.
    const row = newConnectingUser(userId, details, now);
    if (await commit(ctx, (tx) => tx.users.insertIfAbsent(row))) return row;
    existing = await ctx.store.read.users.get(userId);
    if (!existing) throw authFailed(`user ${userId} could not be created`);
  }
  if (existing.deleted_at) throw authFailed(`user ${userId} was deleted`);
  const patch: Partial<UsersTable> = {};
  if (details?.name !== undefined && details.name !== existing.name) patch.name = details.name;
  if (details?.image !== undefined && details.image !== existing.image) patch.image = details.image;
  if (details?.custom !== undefined && toJson(details.custom) !== existing.custom)
    patch.custom = toJson(details.custom);
  if (Object.keys(patch).length === 0) return existing;
  const updated = { ...patch, updated_at: now };
  await commit(ctx, (tx) => tx.users.update(userId, updated));
  // The new details appear in the views of the calls this user is in.
  await ctx.bus.notify({ kind: 'users_changed', user_ids: [userId], role_changed: [], deleted: [] });
  return { ...existing, ...updated };
}

function newConnectingUser(userId: string, details: ConnectingUserDetails | undefined, now: string): UsersTable {
  return {
    id: userId,
    name: details?.name ?? null,
    image: details?.image ?? null,
    role: GlobalRole.USER,
    custom: toJson(details?.custom ?? {}),
    teams: '[]',
    created_at: now,
    updated_at: now,
    deleted_at: null,
  };
}
