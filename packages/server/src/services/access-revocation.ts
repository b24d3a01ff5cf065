/**
 * Losing access ends the participation. A participant must keep holding `read-call` and the capability joining the
 * call needs now (`join-call`; `join-ended-call` on an ended call) for as long as it is in the session: whatever
 * takes one away — removal from the members, a member or global role change, new grants of the call type, the
 * user's deletion, a block — makes its participations leave, under the call's lock, with the usual
 * `call.session_participant_left` (and `call.session_ended` for the last). That event is what closes the media
 * connection: every node's SFU follows call events on the bus (media/call-event-reactions.ts), so the node holding
 * the connection closes it, whichever node took the decision.
 *
 * Changes of one call (members) are checked in their own transaction. Changes that reach many calls (a user's role,
 * its deletion, a call type's grants) are checked after their commit, one transaction per call that has a
 * participation concerned: at most `REVOCATION_BATCH` calls per pass, repeated until none is left.
 */
import { OwnCapability } from '@switchboard/protocol';
import { capabilitiesFor, joinRequirements } from '../domain/permissions.js';
import { parseJson } from '../store/json.js';
import type { SessionParticipantsTable } from '../store/schema.js';
import type { Repositories } from '../store/store.js';
import { type LoadedCall, lockCallIfPresent } from './call-access.js';
import { commit, type Emit, type ServiceContext } from './context.js';
import { removeParticipants } from './sessions.js';

/** Calls re-checked per query when a change reaches many calls. */
export const REVOCATION_BATCH = 200;

/**
 * Ends the participations in the call's current session of users who no longer may stay (only of `userIds` when
 * given). The caller holds the call's lock and has already written the change.
 */
export async function endRevokedParticipations(
  ctx: ServiceContext,
  tx: Repositories,
  call: LoadedCall,
  userIds: readonly string[] | undefined,
  emit: Emit,
): Promise<void> {
  const sessionId = call.row.current_session_id;
  if (!sessionId || userIds?.length === 0) return;
  const only = userIds ? new Set(userIds) : undefined;
  const active = (await tx.sessions.activeParticipants(sessionId)).filter((p) => !only || only.has(p.user_id));
  if (active.length === 0) return;
  const ids = [...new Set(active.map((p) => p.user_id))];
  const users = await tx.users.getMany(ids);
  const roles = new Map((await tx.members.getMany(call.row.cid, ids)).map((m) => [m.user_id, m.role]));
  const blocked = new Set(parseJson<string[]>(call.row.blocked_user_ids, []));
  const needed = [
    OwnCapability.READ_CALL,
    ...joinRequirements({ ended: call.row.ended_at !== null, backstage: false }),
  ];
  const revoked = new Set(
    ids.filter((id) => {
      const user = users.get(id);
      if (!user || user.deleted_at !== null) return true;
      const held = capabilitiesFor(call.type.grants, {
        globalRole: user.role,
        memberRole: roles.get(id),
        blocked: blocked.has(id),
      });
      return needed.some((c) => !held.includes(c));
    }),
  );
  const leaving = active.filter((p) => revoked.has(p.user_id));
  await removeParticipants(ctx, tx, call, sessionId, leaving, emit);
}

/** After these users' role changed or they were deleted: their participations that lost access leave. */
export async function endRevokedOfUsers(ctx: ServiceContext, userIds: readonly string[]): Promise<void> {
  if (userIds.length === 0) return;
  await recheckCalls(ctx, (after) => callsWithParticipants(ctx.store.read, { userIds }, after), userIds);
}

/** After a call type's grants changed: participations in its calls that lost access leave. */
export async function endRevokedOfCallType(ctx: ServiceContext, typeName: string): Promise<void> {
  await recheckCalls(ctx, (after) => callsWithParticipants(ctx.store.read, { typeName }, after), undefined);
}

async function recheckCalls(
  ctx: ServiceContext,
  page: (after: string | undefined) => Promise<string[]>,
  userIds: readonly string[] | undefined,
): Promise<void> {
  let after: string | undefined;
  for (;;) {
    const cids = await page(after);
    for (const cid of cids) {
      await commit(ctx, async (tx, emit) => {
        const call = await lockCallIfPresent(ctx, tx, cid);
        if (call) await endRevokedParticipations(ctx, tx, call, userIds, emit);
      });
    }
    if (cids.length < REVOCATION_BATCH) return;
    after = cids[cids.length - 1];
  }
}

/** Distinct calls with live participations of these users or of calls of this type, in cid order after `after`. */
async function callsWithParticipants(
  repos: Repositories,
  of: { userIds?: readonly string[]; typeName?: string },
  after: string | undefined,
): Promise<string[]> {
  let query = repos.db
    .selectFrom('session_participants as p')
    .select('p.call_cid')
    .distinct()
    .where('p.left_at', 'is', null);
  if (of.userIds) query = query.where('p.user_id', 'in', [...of.userIds]);
  if (of.typeName !== undefined) {
    const typeName = of.typeName;
    query = query.innerJoin('calls as c', 'c.cid', 'p.call_cid').where('c.type', '=', typeName);
  }
  if (after !== undefined) query = query.where('p.call_cid', '>', after);
  const rows = await query.orderBy('p.call_cid').limit(REVOCATION_BATCH).execute();
  return rows.map((r: Pick<SessionParticipantsTable, 'call_cid'>) => r.call_cid);
}
