/**
 * Call membership changes: UpdateCallMembers, and the member list of a call being created. Every change of one
 * request is written in one transaction with its member events, and with the leave of the participations it took
 * access from (access-revocation.ts).
 */
import {
  CALL_MEMBER_ROLE,
  CallEvents,
  type MemberRequest,
  OwnCapability,
  type UpdateCallMembersRequest,
  type UpdateCallMembersResponse,
} from '@switchboard/protocol';
import type { Actor } from '../domain/actor.js';
import { isoNow } from '../domain/clock.js';
import { inputError } from '../domain/errors.js';
import { capabilitiesByRole, capabilitiesFor } from '../domain/permissions.js';
import { parseJson, toJson } from '../store/json.js';
import type { CallMembersTable } from '../store/schema.js';
import type { Repositories } from '../store/store.js';
import { endRevokedParticipations } from './access-revocation.js';
import { type LoadedCall, lockCallForChange } from './call-access.js';
import { loadCallModel, membersWithUsers } from './call-response.js';
import { commit, type Emit, type ServiceContext } from './context.js';

/** Throws an input error naming the first member whose user does not exist. */
export async function requireMemberUsers(
  repos: Repositories,
  members: readonly MemberRequest[],
  field: string,
): Promise<void> {
  const seen = new Set<string>();
  members.forEach((m, i) => {
    if (seen.has(m.user_id)) throw inputError(`duplicate member ${m.user_id}`, `${field}[${i}].user_id`);
    seen.add(m.user_id);
  });
  const users = await repos.users.getMany(members.map((m) => m.user_id));
  members.forEach((m, i) => {
    const user = users.get(m.user_id);
    if (!user || user.deleted_at !== null) {
      throw inputError(`user ${m.user_id} does not exist`, `${field}[${i}].user_id`);
    }
  });
}

export function newMemberRow(cid: string, m: MemberRequest, now: string): CallMembersTable {
  return {
    call_cid: cid,
    user_id: m.user_id,
    role: m.role ?? CALL_MEMBER_ROLE,
    custom: toJson(m.custom ?? {}),
    created_at: now,
    updated_at: now,
  };
}

interface MemberChanges {
  added: CallMembersTable[];
  updated: CallMembersTable[];
  roleChanged: CallMembersTable[];
  removed: string[];
}

/** Applies adds/updates/removals (callers validated the users) and emits the member events. */
export async function applyMemberChanges(
  tx: Repositories,
  call: LoadedCall,
  update: readonly MemberRequest[],
  remove: readonly string[],
  now: string,
  emit: Emit,
): Promise<CallMembersTable[]> {
  const cid = call.row.cid;
  const existing = new Map(
    (
      await tx.members.getMany(
        cid,
        update.map((m) => m.user_id),
      )
    ).map((r) => [r.user_id, r]),
  );
  const changes: MemberChanges = { added: [], updated: [], roleChanged: [], removed: [] };
  for (const m of update) {
    const before = existing.get(m.user_id);
    if (!before) {
      changes.added.push(newMemberRow(cid, m, now));
      continue;
    }
    const after = {
      ...before,
      role: m.role ?? before.role,
      custom: m.custom !== undefined ? toJson(m.custom) : before.custom,
      updated_at: now,
    };
    await tx.members.update(cid, m.user_id, { role: after.role, custom: after.custom, updated_at: now });
    changes.updated.push(after);
    if (after.role !== before.role) changes.roleChanged.push(after);
  }
  await tx.members.insert(changes.added);
  const present = await tx.members.getMany(cid, remove);
  changes.removed = present.map((r) => r.user_id);
  await tx.members.remove(cid, changes.removed);

  if (changes.added.length + changes.updated.length + changes.removed.length > 0) {
    await tx.calls.update(cid, { updated_at: now });
    const model = await loadCallModel(tx, { ...call, row: { ...call.row, updated_at: now } });
    if (changes.added.length) emit(CallEvents.memberAdded(model, await membersWithUsers(tx, changes.added), now));
    if (changes.updated.length) emit(CallEvents.memberUpdated(model, await membersWithUsers(tx, changes.updated), now));
    if (changes.roleChanged.length) {
      const members = await membersWithUsers(tx, changes.roleChanged);
      emit(CallEvents.memberUpdatedPermission(model, members, capabilitiesByRole(call.type.grants), now));
      // Each of them also hears what it may now do on this call (its own_capabilities changed with its role).
      const blocked = parseJson<string[]>(call.row.blocked_user_ids, []);
      for (const member of members) {
        const own = capabilitiesFor(call.type.grants, {
          globalRole: member.user.role,
          memberRole: member.role,
          blocked: blocked.includes(member.user_id),
        });
        emit(CallEvents.permissionsUpdated(model, member.user, own, now));
      }
    }
    if (changes.removed.length) emit(CallEvents.memberRemoved(model, changes.removed, now));
  }
  return [...changes.added, ...changes.updated];
}

export async function updateCallMembers(
  ctx: ServiceContext,
  actor: Actor,
  type: string,
  cid: string,
  req: UpdateCallMembersRequest,
): Promise<Omit<UpdateCallMembersResponse, 'duration'>> {
  const update = req.update_members ?? [];
  const remove = req.remove_members ?? [];
  const both = update.findIndex((m) => remove.includes(m.user_id));
  if (both >= 0) {
    throw inputError(`user ${update[both]?.user_id} is both updated and removed`, `update_members[${both}].user_id`);
  }
  return commit(ctx, async (tx, emit) => {
    const needed = [
      ...(update.length ? [OwnCapability.UPDATE_CALL_MEMBER] : []),
      ...(remove.length ? [OwnCapability.REMOVE_CALL_MEMBER] : []),
    ];
    const call = await lockCallForChange(ctx, tx, actor, { type, cid }, needed, 'update call members');
    await requireMemberUsers(tx, update, 'update_members');
    const now = isoNow(ctx.clock);
    const rows = await applyMemberChanges(tx, call, update, remove, now, emit);
    // A removed member, or one whose new role lacks `join-call` / `read-call`, is no longer in the call's session.
    await endRevokedParticipations(ctx, tx, call, [...remove, ...update.map((m) => m.user_id)], emit);
    return { members: await membersWithUsers(tx, rows) };
  });
}
