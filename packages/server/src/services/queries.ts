/**
 * Query use cases: QueryCalls and QueryCallMembers (QueryUsers lives with the other user use cases in users.ts).
 * Each: validate the query (the engine names the offending field) → guard → read one page in SQL → shape it.
 * Filtering, visibility and paging all happen in the database; no fetched row is ever dropped in memory, so a
 * page holds `limit` rows whenever that many match.
 *
 * @example
 * ```ts
 * const page = await queryCalls(ctx, actor, { filter_conditions: { ongoing: true }, limit: 10 });
 * const more = page.next && (await queryCalls(ctx, actor, { filter_conditions: { ongoing: true }, next: page.next }));
 * ```
 */
import {
  type CallResponse,
  GlobalRole,
  type Member,
  OwnCapability,
  type QueryCallMembersRequest,
  type QueryCallsRequest,
  type QueryPageCursors,
  toCid,
} from '@switchboard/protocol';
import type { Actor } from '../domain/actor.js';
import { capabilitiesFor } from '../domain/permissions.js';
import { type CallsQueryOptions, prepareCallsQuery } from '../store/query/query-calls.js';
import { prepareMembersQuery } from '../store/query/query-members.js';
import { runPage } from '../store/query/run-page.js';
import type { CallsTable } from '../store/schema.js';
import { guardCall, type LoadedCall, loadCall, requireCallType } from './call-access.js';
import { pageResponses } from './call-page.js';
import { membersWithUsers } from './call-response.js';
import { type CallTypeDefinition, callTypeFromRow } from './call-type-cache.js';
import type { ServiceContext } from './context.js';
import { cursorSecret, pageCursors } from './query-paging.js';
import { watchCalls } from './watching.js';

export interface QueryCallsResult extends QueryPageCursors {
  calls: CallResponse[];
}

export interface QueryCallMembersResult extends QueryPageCursors {
  members: Member[];
}

/**
 * QueryCalls. The server token sees every call; a user token sees the calls it may read — those of a type whose
 * grants give its global role `read-call`, and those it is a member of — minus calls that block it, and only the
 * calls its token lists when the token has `call_cids`. An anonymous actor sees the types granting `anonymous`
 * `read-call`. `watch: true` with a connection id (body or query; the query wins) subscribes that connection to
 * every returned call; without one, `watch` is ignored.
 */
export async function queryCalls(
  ctx: ServiceContext,
  actor: Actor,
  req: QueryCallsRequest,
  queryConnectionId?: string,
): Promise<QueryCallsResult> {
  const connectionId = req.watch === true ? queryConnectionId || req.connection_id || undefined : undefined;
  if (connectionId) await ctx.realtime.requireConnection(actor, connectionId);
  const visibility = await visibilityOf(ctx, actor);
  const prepared = prepareCallsQuery(ctx.store.db, ctx.store.dialect, req, {
    secret: cursorSecret(ctx.config),
    ...visibility,
  });
  const page = await runPage(prepared);
  const calls = await pageResponses(ctx.store.read, actor, await withTypes(ctx, page.rows), ctx.snapshots);
  await watchCalls(
    ctx,
    actor,
    connectionId,
    calls.map((c) => c.call.cid),
  );
  return { calls, ...pageCursors(page) };
}

/**
 * QueryCallMembers: members of the call `type`/`id`, oldest first by default. Needs `read-call` on the call (and
 * a token scoped with `call_cids` must list it). An unknown call type or call is a 404 (code 16).
 */
export async function queryCallMembers(
  ctx: ServiceContext,
  actor: Actor,
  req: QueryCallMembersRequest,
): Promise<QueryCallMembersResult> {
  const cid = toCid(req.type, req.id);
  // Preparing validates the whole request first, so bad input is a 400 whatever the call's state.
  const prepared = prepareMembersQuery(ctx.store.db, ctx.store.dialect, cid, req, { secret: cursorSecret(ctx.config) });
  const call = await loadCall(ctx, ctx.store.read, req.type, cid);
  await guardCall(ctx.store.read, actor, call, [OwnCapability.READ_CALL], 'query call members');
  const page = await runPage(prepared);
  return { members: await membersWithUsers(ctx.store.read, page.rows), ...pageCursors(page) };
}

/** The SQL visibility restriction for the actor (none for the server token). */
async function visibilityOf(ctx: ServiceContext, actor: Actor): Promise<Omit<CallsQueryOptions, 'secret'>> {
  if (actor.kind === 'server') return {};
  const globalRole = actor.kind === 'user' ? actor.role : GlobalRole.ANONYMOUS;
  const readableTypesForRole = (await ctx.store.read.callTypes.list())
    .map(callTypeFromRow)
    .filter((t) => capabilitiesFor(t.grants, { globalRole }).includes(OwnCapability.READ_CALL))
    .map((t) => t.name);
  // Anonymous actors are nobody's membership: '' is not a valid user id, so no member row matches it.
  if (actor.kind === 'anonymous') return { visibleToUserId: '', readableTypesForRole };
  return {
    visibleToUserId: actor.userId,
    readableTypesForRole,
    excludeBlocked: true,
    ...(actor.callCids ? { onlyCids: actor.callCids } : {}),
  };
}

/**
 * The page's rows with their call types, each distinct type read once (from the node's call-type cache). No
 * `read-call` guard on the entries: visibility was decided in SQL, and refusing one row would fail the page.
 */
async function withTypes(ctx: ServiceContext, rows: readonly CallsTable[]): Promise<LoadedCall[]> {
  const types = new Map<string, CallTypeDefinition>();
  for (const name of new Set(rows.map((r) => r.type))) types.set(name, await requireCallType(ctx, name));
  return rows.map((row) => ({ row, type: types.get(row.type) as CallTypeDefinition }));
}
