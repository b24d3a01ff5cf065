/**
 * Builds `{ call, members, own_capabilities }` — the shape most call operations answer with — and the full Call
 * model that events carry.
 */
import { type Call, type CallResponse, type Member, OwnCapability } from '@switchboard/protocol';
import type { Actor } from '../domain/actor.js';
import { deepFreeze } from '../domain/deep-freeze.js';
import { requireCapabilities } from '../domain/permissions.js';
import type { Repositories } from '../store/store.js';
import { actorCapabilities, capabilitiesOf, type LoadedCall, requireTokenScope } from './call-access.js';
import { type CallSnapshot, SNAPSHOT_MEMBERS } from './call-snapshots.js';
import { callView, memberView, missingUserView, participantView, sessionView, userView } from './views.js';

export const DEFAULT_MEMBERS_LIMIT = 25;

/**
 * How many of the session's participants a call event embeds. Events go to every watcher and into the outbox, once
 * per change: with the whole list, a session of n participants costs O(n) per event and O(n²) to fill. Events carry
 * the oldest participants and `participants_count_by_role` over all of them; the full list is read through the API
 * (GetCall, JoinCall, QueryCalls).
 */
export const MAX_EVENT_PARTICIPANTS = 25;

/**
 * The Call model with its creator and current session. Bounded for events by default (see
 * MAX_EVENT_PARTICIPANTS); responses ask for `participants: 'all'`.
 */
export async function loadCallModel(
  repos: Repositories,
  call: LoadedCall,
  options: { participants?: 'all' | 'bounded' } = {},
): Promise<Call> {
  const { row } = call;
  const sessionRow = row.current_session_id ? await repos.sessions.get(row.current_session_id) : undefined;
  const bounded = options.participants !== 'all';
  const participants = sessionRow
    ? await repos.sessions.activeParticipants(sessionRow.id, bounded ? MAX_EVENT_PARTICIPANTS + 1 : undefined)
    : [];
  const truncated = bounded && participants.length > MAX_EVENT_PARTICIPANTS;
  if (truncated) participants.length = MAX_EVENT_PARTICIPANTS;
  const countByRole = sessionRow && truncated ? await repos.sessions.activeCountByRole(sessionRow.id) : undefined;
  const users = await repos.users.getMany([row.created_by_user_id, ...participants.map((p) => p.user_id)]);
  const view = (id: string) => {
    const u = users.get(id);
    return u ? userView(u) : missingUserView(id, row.created_at);
  };
  const session = sessionRow
    ? sessionView(
        sessionRow,
        participants.map((p) => participantView(p, view(p.user_id))),
        countByRole,
      )
    : undefined;
  return callView(row, call.type, view(row.created_by_user_id), session);
}

/** Members as API models, newest first, capped at `limit`. */
export async function loadMembers(repos: Repositories, cid: string, limit: number): Promise<Member[]> {
  const rows = await repos.members.listNewest(cid, limit);
  return membersWithUsers(repos, rows);
}

export async function membersWithUsers(
  repos: Repositories,
  rows: Parameters<typeof memberView>[0][],
): Promise<Member[]> {
  const users = await repos.users.getMany(rows.map((r) => r.user_id));
  return rows.map((r) => {
    const u = users.get(r.user_id);
    return memberView(r, u ? userView(u) : missingUserView(r.user_id, r.created_at));
  });
}

export async function buildCallResponse(
  repos: Repositories,
  actor: Actor,
  call: LoadedCall,
  membersLimit = DEFAULT_MEMBERS_LIMIT,
  capabilities?: OwnCapability[],
): Promise<CallResponse> {
  const [model, members, ownCapabilities] = await Promise.all([
    loadCallModel(repos, call, { participants: 'all' }),
    loadMembers(repos, call.row.cid, membersLimit),
    capabilities ?? actorCapabilities(repos, actor, call),
  ]);
  const response: CallResponse = { call: model, members, own_capabilities: ownCapabilities };
  if (actor.kind === 'user') {
    const mine = members.find((m) => m.user_id === actor.userId);
    const membership = mine ?? (await membershipOf(repos, call.row.cid, actor.userId));
    if (membership) response.membership = membership;
  }
  return response;
}

async function membershipOf(repos: Repositories, cid: string, userId: string): Promise<Member | undefined> {
  const row = await repos.members.get(cid, userId);
  return row ? (await membersWithUsers(repos, [row]))[0] : undefined;
}

/** The snapshot's newest `limit` members: its own frozen arrays for the usual limits, so their JSON is reused. */
function membersPage(snapshot: CallSnapshot, limit: number): Member[] {
  if (limit >= snapshot.newestMembers.length) return snapshot.newestMembers;
  if (limit === DEFAULT_MEMBERS_LIMIT) return snapshot.defaultPage;
  return snapshot.newestMembers.slice(0, limit);
}

/** Loads what a snapshot holds: the model and the newest members (one more row tells if that is all of them). */
export async function loadSnapshot(repos: Repositories, call: LoadedCall): Promise<CallSnapshot> {
  const [model, rows] = await Promise.all([
    loadCallModel(repos, call, { participants: 'all' }),
    repos.members.listNewest(call.row.cid, SNAPSHOT_MEMBERS + 1),
  ]);
  const newestMembers = await membersWithUsers(repos, rows.slice(0, SNAPSHOT_MEMBERS));
  const defaultPage =
    newestMembers.length > DEFAULT_MEMBERS_LIMIT ? newestMembers.slice(0, DEFAULT_MEMBERS_LIMIT) : newestMembers;
  // Shared by every request that reads this call: frozen, so it cannot be changed by one of them (and its JSON can
  // be reused, see http/json-reply.ts).
  return deepFreeze({
    row: call.row,
    model,
    newestMembers,
    defaultPage,
    allMembersKnown: rows.length <= SNAPSHOT_MEMBERS,
  });
}

/**
 * The read path's response, from a snapshot: guards `read-call` (after the token scope) and answers as
 * buildCallResponse would.
 */
export async function respondFromSnapshot(
  repos: Repositories,
  actor: Actor,
  call: LoadedCall,
  snapshot: CallSnapshot,
  membersLimit: number,
): Promise<CallResponse> {
  requireTokenScope(actor, call.row.cid);
  const response = await snapshotResponse(repos, actor, call, snapshot, membersLimit);
  requireCapabilities(response.own_capabilities, [OwnCapability.READ_CALL], 'read call');
  return response;
}

/**
 * `{ call, members, own_capabilities, membership? }` as the actor sees a snapshot, without guards (QueryCalls
 * decided visibility in SQL). Asks the database only for a membership the snapshot cannot tell.
 */
export async function snapshotResponse(
  repos: Repositories,
  actor: Actor,
  call: LoadedCall,
  snapshot: CallSnapshot,
  membersLimit: number,
): Promise<CallResponse> {
  let membership: Member | undefined;
  if (actor.kind === 'user') {
    membership = snapshot.allMembersKnown
      ? snapshot.newestMembers.find((m) => m.user_id === actor.userId)
      : await membershipOf(repos, call.row.cid, actor.userId);
  }
  const response: CallResponse = {
    call: snapshot.model,
    members: membersPage(snapshot, membersLimit),
    own_capabilities: capabilitiesOf(actor, call, membership?.role),
  };
  if (membership) response.membership = membership;
  return response;
}
