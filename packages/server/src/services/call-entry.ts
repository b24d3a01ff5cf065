/**
 * The operations a client opens a call with — GetCall, GetOrCreateCall, JoinCall — together with their realtime
 * side effects, so the plain use cases in calls.ts and sessions.ts stay free of them:
 * - `connection_id` (query): the connection watches the call once the operation succeeded (checked up front);
 *   JoinCall subscribes it just before joining, so the joiner also sees the events of its own join;
 * - `ring` / `notify`: members are rung / notified on behalf of the acting user once the call exists (and, for
 *   JoinCall, after the join), and the caller must be a member — checked before anything is written;
 * - JoinCall over a connection ties the participant to it (presence, see presence.ts).
 */
import {
  type CallResponse,
  type GetCallQuery,
  type GetOrCreateCallRequest,
  type JoinCallRequest,
  type MemberRequest,
  toCid,
} from '@switchboard/protocol';
import type { Actor } from '../domain/actor.js';
import { notAllowed } from '../domain/errors.js';
import { requireActingUserId } from './call-access.js';
import { type CallRef, type GetOrCreateResult, getCall, getOrCreateCall } from './calls.js';
import type { ServiceContext } from './context.js';
import { ringMembers } from './ringing.js';
import { type JoinResult, joinCall } from './sessions.js';
import { watchCalls } from './watching.js';

export async function getCallRealtime(
  ctx: ServiceContext,
  actor: Actor,
  ref: CallRef,
  query: GetCallQuery,
): Promise<CallResponse> {
  const cid = toCid(ref.type, ref.id);
  if (query.connection_id) await ctx.realtime.requireConnection(actor, query.connection_id);
  const callerId = query.ring || query.notify ? await requireCaller(ctx, actor, cid, undefined) : undefined;
  const response = await getCall(ctx, actor, ref, query.members_limit);
  await watchCalls(ctx, actor, query.connection_id, [cid]);
  if (callerId === undefined) return response;
  await ringMembers(ctx, actor, ref, callerId, {
    video: query.video ?? false,
    ring: query.ring === true,
    notify: query.notify === true,
  });
  return getCall(ctx, actor, ref, query.members_limit);
}

export async function getOrCreateCallRealtime(
  ctx: ServiceContext,
  actor: Actor,
  ref: CallRef,
  req: GetOrCreateCallRequest,
  connectionId: string | undefined,
): Promise<GetOrCreateResult> {
  const cid = toCid(ref.type, ref.id);
  if (connectionId) await ctx.realtime.requireConnection(actor, connectionId);
  const named = req.data?.created_by_id ?? req.data?.created_by?.id;
  const callerId =
    req.ring || req.notify ? await requireCaller(ctx, actor, cid, req.data?.members ?? [], named) : undefined;
  const response = await getOrCreateCall(ctx, actor, ref, req);
  await watchCalls(ctx, actor, connectionId, [cid]);
  if (callerId === undefined) return response;
  await ringMembers(ctx, actor, ref, callerId, {
    video: req.video ?? req.data?.video ?? false,
    ring: req.ring === true,
    notify: req.notify === true,
  });
  return { ...(await getCall(ctx, actor, ref, req.members_limit)), created: response.created };
}

export async function joinCallRealtime(
  ctx: ServiceContext,
  actor: Actor,
  ref: CallRef,
  req: JoinCallRequest,
  connectionId: string | undefined,
): Promise<JoinResult> {
  const cid = toCid(ref.type, ref.id);
  const userId = requireActingUserId(actor, req.user_id);
  // The node holding the connection owns the participation, whichever node serves this request.
  const holder = connectionId ? await ctx.realtime.requireConnection(actor, connectionId) : undefined;
  if (req.ring || req.notify)
    await requireCaller(ctx, actor, cid, req.create ? (req.data?.members ?? []) : undefined, userId);
  const unsubscribe = connectionId ? await ctx.realtime.subscribe(actor, connectionId, cid) : undefined;
  let response: JoinResult;
  try {
    response = await joinCall(ctx, actor, ref, req, connectionId && holder ? { connectionId, holder } : undefined);
  } catch (err) {
    unsubscribe?.();
    throw err;
  }
  if (connectionId) await ctx.realtime.joined(userId, cid, connectionId);
  if (req.ring || req.notify) {
    await ringMembers(ctx, actor, ref, userId, {
      video: req.video ?? req.data?.video ?? false,
      ring: req.ring === true,
      notify: req.notify === true,
    });
  }
  return response;
}

/**
 * The user who rings, who must be a member: of the existing call, or listed in the members of the call about to
 * be created. Checked before the operation writes anything, so a refused ring creates nothing.
 */
async function requireCaller(
  ctx: ServiceContext,
  actor: Actor,
  cid: string,
  listedIfCreated: readonly MemberRequest[] | undefined,
  named?: string,
): Promise<string> {
  const callerId = requireActingUserId(actor, named, 'data.created_by_id');
  const existing = await ctx.store.read.calls.get(cid);
  const member = existing
    ? (await ctx.store.read.members.get(cid, callerId)) !== undefined
    : (listedIfCreated ?? []).some((m) => m.user_id === callerId);
  if (!member) throw notAllowed(`user ${callerId} must be a member of the call to ring it`);
  return callerId;
}
