/**
 * Call use cases: GetOrCreateCall, GetCall, UpdateCall, EndCall, DeleteCall. Each: guard → decide → commit.
 */
import {
  CallEvents,
  type CallResponse,
  type DeleteCallRequest,
  type GetOrCreateCallRequest,
  GlobalRole,
  OwnCapability,
  toCid,
  type UpdateCallRequest,
} from '@switchboard/protocol';
import type { Actor } from '../domain/actor.js';
import { isoNow, toStoredTime } from '../domain/clock.js';
import { inputError, notFound } from '../domain/errors.js';
import { capabilitiesByRole, capabilitiesFor, requireCapabilities } from '../domain/permissions.js';
import { deepMerge } from '../domain/settings.js';
import { parseJson, toJson } from '../store/json.js';
import type { CallsTable } from '../store/schema.js';
import { loadCall, lockCallForChange, requireCallType, requireTokenScope } from './call-access.js';
import {
  buildCallResponse,
  DEFAULT_MEMBERS_LIMIT,
  loadCallModel,
  loadSnapshot,
  membersWithUsers,
  respondFromSnapshot,
} from './call-response.js';
import type { CallSnapshot } from './call-snapshots.js';
import type { CallTypeDefinition } from './call-type-cache.js';
import { commit, type ServiceContext } from './context.js';
import { applyMemberChanges, requireMemberUsers } from './members.js';
import { requireExistingUser, upsertUserRows } from './users.js';
import { userView } from './views.js';

export interface CallRef {
  type: string;
  id: string;
}

export type GetOrCreateResult = CallResponse & { created: boolean };

export async function getOrCreateCall(
  ctx: ServiceContext,
  actor: Actor,
  ref: CallRef,
  req: GetOrCreateCallRequest,
): Promise<GetOrCreateResult> {
  const callType = await requireCallType(ctx, ref.type);
  const cid = toCid(ref.type, ref.id);
  requireTokenScope(actor, cid);
  const limit = req.members_limit ?? DEFAULT_MEMBERS_LIMIT;
  const existing = await readSnapshot(ctx, callType, cid);
  if (existing) return existingCall(ctx, actor, callType, existing, limit);

  const created = await createCall(ctx, actor, callType, ref, req);
  if (!created) {
    // Another request created it between our read and our insert: answer as for an existing call.
    const raced = await readSnapshot(ctx, callType, cid);
    if (!raced) throw notFound(`call ${cid} does not exist`);
    return existingCall(ctx, actor, callType, raced, limit);
  }
  const call = await loadCall(ctx, ctx.store.read, ref.type, cid);
  return { ...(await buildCallResponse(ctx.store.read, actor, call, limit)), created: true };
}

/** The call's snapshot (soft-deleted calls included), through the node's snapshot cache. */
function readSnapshot(ctx: ServiceContext, type: CallTypeDefinition, cid: string): Promise<CallSnapshot | undefined> {
  return ctx.snapshots.read(cid, async () => {
    const row = await ctx.store.read.calls.getAny(cid);
    return row ? loadSnapshot(ctx.store.read, { row, type }) : undefined;
  });
}

async function existingCall(
  ctx: ServiceContext,
  actor: Actor,
  type: CallTypeDefinition,
  snapshot: CallSnapshot,
  limit: number,
): Promise<GetOrCreateResult> {
  if (snapshot.row.deleted_at !== null) {
    throw inputError(`call ${snapshot.row.cid} was deleted; hard-delete it to reuse the id`, 'id');
  }
  const call = { row: snapshot.row, type };
  return { ...(await respondFromSnapshot(ctx.store.read, actor, call, snapshot, limit)), created: false };
}

/** Returns false when the call already existed (a concurrent creator won). */
async function createCall(
  ctx: ServiceContext,
  actor: Actor,
  type: CallTypeDefinition,
  ref: CallRef,
  req: GetOrCreateCallRequest,
): Promise<boolean> {
  const data = req.data ?? {};
  const creatorId = actor.kind === 'user' ? actor.userId : (data.created_by?.id ?? data.created_by_id);
  if (actor.kind === 'anonymous') requireCapabilities([], [OwnCapability.CREATE_CALL], 'create call');
  if (creatorId === undefined) {
    throw inputError(
      'data.created_by_id or data.created_by is required when using server-side auth',
      'data.created_by_id',
    );
  }
  if (actor.kind === 'user') {
    requireCapabilities(
      capabilitiesFor(type.grants, { globalRole: actor.role }),
      [OwnCapability.CREATE_CALL],
      'create call',
    );
  }
  const members = data.members ?? [];
  const cid = toCid(ref.type, ref.id);
  const inserted = await commit(ctx, async (tx, emit) => {
    const now = isoNow(ctx.clock);
    if (actor.kind === 'server' && data.created_by) await upsertUserRows(tx, [data.created_by], now);
    await requireExistingUser(tx, creatorId, 'data.created_by_id');
    await requireMemberUsers(tx, members, 'data.members');
    const settingsOverride = data.settings_override ?? {};
    const settings = deepMerge(type.settings, settingsOverride);
    const row: CallsTable = {
      cid,
      type: ref.type,
      id: ref.id,
      created_by_user_id: creatorId,
      team: data.team ?? null,
      custom: toJson(data.custom ?? {}),
      settings_override: toJson(settingsOverride),
      starts_at: data.starts_at ? toStoredTime(data.starts_at) : null,
      backstage: settings.backstage.enabled ? 1 : 0,
      blocked_user_ids: '[]',
      created_at: now,
      updated_at: now,
      ended_at: null,
      deleted_at: null,
      current_session_id: null,
    };
    if (!(await tx.calls.insertIfAbsent(row))) return false;
    const call = { row, type };
    const added = await applyMemberChanges(tx, call, members, [], now, () => {});
    emit(CallEvents.created(await loadCallModel(tx, call), await membersWithUsers(tx, added), now));
    return true;
  });
  // `created_by` may have changed a user who appears in other calls' views.
  if (data.created_by) {
    await ctx.bus.notify({ kind: 'users_changed', user_ids: [data.created_by.id], role_changed: [], deleted: [] });
  }
  return inserted;
}

export async function getCall(
  ctx: ServiceContext,
  actor: Actor,
  ref: CallRef,
  membersLimit = DEFAULT_MEMBERS_LIMIT,
): Promise<CallResponse> {
  const type = await requireCallType(ctx, ref.type);
  const cid = toCid(ref.type, ref.id);
  const snapshot = await readSnapshot(ctx, type, cid);
  if (!snapshot || snapshot.row.deleted_at !== null) throw notFound(`call ${cid} does not exist`);
  return respondFromSnapshot(ctx.store.read, actor, { row: snapshot.row, type }, snapshot, membersLimit);
}

export async function updateCall(
  ctx: ServiceContext,
  actor: Actor,
  ref: CallRef,
  req: UpdateCallRequest,
): Promise<CallResponse> {
  const cid = toCid(ref.type, ref.id);
  await commit(ctx, async (tx, emit) => {
    const needed: OwnCapability[] = [OwnCapability.UPDATE_CALL];
    if (req.settings_override !== undefined) needed.push(OwnCapability.UPDATE_CALL_SETTINGS);
    const call = await lockCallForChange(ctx, tx, actor, { type: ref.type, cid }, needed, 'update call');
    const now = isoNow(ctx.clock);
    const patch: Partial<CallsTable> = { updated_at: now };
    if (req.custom !== undefined) patch.custom = toJson(req.custom);
    if (req.starts_at !== undefined) patch.starts_at = toStoredTime(req.starts_at);
    if (req.settings_override !== undefined) {
      patch.settings_override = toJson(deepMerge(parseJson(call.row.settings_override, {}), req.settings_override));
    }
    await tx.calls.update(cid, patch);
    const updated = { ...call, row: { ...call.row, ...patch } };
    emit(CallEvents.updated(await loadCallModel(tx, updated), capabilitiesByRole(call.type.grants), now));
  });
  return getCallAs(ctx, actor, ref);
}

/** Re-reads a call after a change, as the actor sees it. */
async function getCallAs(ctx: ServiceContext, actor: Actor, ref: CallRef): Promise<CallResponse> {
  const call = await loadCall(ctx, ctx.store.read, ref.type, toCid(ref.type, ref.id));
  return buildCallResponse(ctx.store.read, actor, call);
}

export async function endCall(ctx: ServiceContext, actor: Actor, ref: CallRef): Promise<void> {
  const cid = toCid(ref.type, ref.id);
  await commit(ctx, async (tx, emit) => {
    const call = await lockCallForChange(ctx, tx, actor, { type: ref.type, cid }, [OwnCapability.END_CALL], 'end call');
    if (call.row.ended_at !== null) return; // ending twice changes nothing
    const now = isoNow(ctx.clock);
    const sessionId = call.row.current_session_id;
    if (sessionId) {
      const participants = await tx.sessions.activeParticipants(sessionId);
      await tx.sessions.markLeft(
        participants.map((p) => p.user_session_id),
        now,
      );
      await tx.sessions.update(sessionId, { ended_at: now });
    }
    const patch = { ended_at: now, updated_at: now, current_session_id: null };
    await tx.calls.update(cid, patch);
    const model = await loadCallModel(tx, { ...call, row: { ...call.row, ...patch } });
    if (sessionId) emit(CallEvents.sessionEnded(model, sessionId, now));
    const endedBy = actor.kind === 'user' ? await tx.users.get(actor.userId) : undefined;
    emit(CallEvents.ended(model, now, endedBy ? userView(endedBy) : undefined));
  });
}

export async function deleteCall(
  ctx: ServiceContext,
  actor: Actor,
  ref: CallRef,
  req: DeleteCallRequest,
): Promise<{ call: CallResponse['call'] }> {
  const cid = toCid(ref.type, ref.id);
  return commit(ctx, async (tx, emit) => {
    const target = { type: ref.type, cid };
    const includeDeleted = req.hard === true;
    const call = await lockCallForChange(ctx, tx, actor, target, [OwnCapability.END_CALL], 'delete call', {
      includeDeleted,
    });
    const now = isoNow(ctx.clock);
    const model = await loadCallModel(tx, call);
    if (req.hard) {
      await tx.calls.hardDelete(cid);
    } else {
      await tx.calls.update(cid, { deleted_at: now, updated_at: now });
    }
    // Also when hard-deleting a soft-deleted call: every change of a call's state commits an event (per-node
    // snapshot caches and other nodes learn of changes only through them).
    emit(CallEvents.deleted(model, now));
    return { call: model };
  });
}

/** The role a call participant is shown with: the member role when a member, else the global role. */
export function participantRole(memberRole: string | undefined, globalRole: string | undefined): string {
  return memberRole ?? globalRole ?? GlobalRole.USER;
}
