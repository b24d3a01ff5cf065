/**
 * Builds `{ call, members, own_capabilities }` — the shape most call operations answer with — and the full Call
 * model that events carry.
 */
import { type Call, type CallResponse, type Member, OwnCapability } from '@switchboard/protocol';
import type { Actor } from '../domain/actor.js';
import { deepFreeze } from '../domain/deep-freeze.js';
import { requireCapabilities } from '../domain/permissions.js';
import { firstParticipationOfEachUser } from '../store/event-participants.js';
import type { CallMembersTable, CallSessionsTable, SessionParticipantsTable, UsersTable } from '../store/schema.js';
import type { Repositories } from '../store/store.js';
import { actorCapabilities, capabilitiesOf, type LoadedCall, requireTokenScope } from './call-access.js';
import { type CallSnapshot, SNAPSHOT_MEMBERS } from './call-snapshots.js';
import { callView, memberView, missingUserView, participantView, sessionView, userView } from './views.js';

export const DEFAULT_MEMBERS_LIMIT = 25;

/**
 * How many of the session's participants a call event embeds. Events go to every watcher and into the outbox, once
 * per change: with the whole list, a session of n participants costs O(n) per event and O(n²) to fill. Events carry
 * the oldest participation of each of the first users to join (a user is embedded once, however many times they
 * joined) and `participants_count_by_role` over every participation; the full list is read through the API
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
  return (await loadCallModelWithUsers(repos, call, [], options)).model;
}

/**
 * Like loadCallModel, also reading the users `alsoUserIds` in the same users query (an event's sender): one round
 * trip less on a hot write path. `users` holds whichever of them exist, with the model's own users.
 */
export async function loadCallModelWithUsers(
  repos: Repositories,
  call: LoadedCall,
  alsoUserIds: readonly string[],
  options: { participants?: 'all' | 'bounded' } = {},
): Promise<{ model: Call; users: ReadonlyMap<string, UsersTable> }> {
  const { row } = call;
  const sessionRow = row.current_session_id ? await repos.sessions.get(row.current_session_id) : undefined;
  const usersOf = (participants: readonly SessionParticipantsTable[]) =>
    repos.users.getMany([row.created_by_user_id, ...participants.map((p) => p.user_id), ...alsoUserIds]);
  if (options.participants === 'all' || !sessionRow) {
    const participants = sessionRow ? await repos.sessions.activeParticipants(sessionRow.id) : [];
    const users = await usersOf(participants);
    return { model: assembleCallModel(call, sessionRow, participants, users), users };
  }
  // An event's list is partial whenever a user holds several participations, so the counts are always read.
  const participants = await firstParticipationOfEachUser(repos, sessionRow.id, MAX_EVENT_PARTICIPANTS);
  const countByRole = await repos.sessions.activeCountByRole(sessionRow.id);
  const users = await usersOf(participants);
  return { model: assembleCallModel(call, sessionRow, participants, users, countByRole), users };
}

/**
 * The Call model from rows already read (the call's current session, its participants in order, and at least the
 * creator's and participants' users): shared by the one-call loader above and the page loader (call-page.ts), so
 * both answer byte for byte alike.
 */
export function assembleCallModel(
  call: LoadedCall,
  sessionRow: CallSessionsTable | undefined,
  participants: readonly SessionParticipantsTable[],
  users: ReadonlyMap<string, UsersTable>,
  countByRole?: Record<string, number>,
): Call {
  const { row } = call;
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
  return assembleMembers(rows, await repos.users.getMany(rows.map((r) => r.user_id)));
}

/** Member rows as API models, with users already read (a missing user reads as deleted). */
export function assembleMembers(rows: readonly CallMembersTable[], users: ReadonlyMap<string, UsersTable>): Member[] {
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
  const users = await repos.users.getMany(rows.slice(0, SNAPSHOT_MEMBERS).map((r) => r.user_id));
  return assembleSnapshot(call, model, rows, users);
}

/**
 * A snapshot from its model and the call's newest member rows (up to SNAPSHOT_MEMBERS + 1, newest first) with
 * their users: shared by the one-call loader and the page loader.
 */
export function assembleSnapshot(
  call: LoadedCall,
  model: Call,
  newestRows: readonly CallMembersTable[],
  users: ReadonlyMap<string, UsersTable>,
): CallSnapshot {
  const newestMembers = assembleMembers(newestRows.slice(0, SNAPSHOT_MEMBERS), users);
  const defaultPage =
    newestMembers.length > DEFAULT_MEMBERS_LIMIT ? newestMembers.slice(0, DEFAULT_MEMBERS_LIMIT) : newestMembers;
  // Shared by every request that reads this call: frozen, so it cannot be changed by one of them (and its JSON can
  // be reused, see http/json-reply.ts).
  return deepFreeze({
    row: call.row,
    model,
    newestMembers,
    defaultPage,
    allMembersKnown: newestRows.length <= SNAPSHOT_MEMBERS,
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
  const membership =
    actor.kind === 'user' && !snapshot.allMembersKnown
      ? await membershipOf(repos, call.row.cid, actor.userId)
      : undefined;
  return responseFromSnapshot(actor, call, snapshot, membersLimit, membership);
}

/**
 * snapshotResponse with the actor's membership already known where the snapshot cannot tell it (`membership` is
 * only consulted when the snapshot does not hold every member).
 */
export function responseFromSnapshot(
  actor: Actor,
  call: LoadedCall,
  snapshot: CallSnapshot,
  membersLimit: number,
  membership: Member | undefined,
): CallResponse {
  let mine: Member | undefined;
  if (actor.kind === 'user') {
    mine = snapshot.allMembersKnown ? snapshot.newestMembers.find((m) => m.user_id === actor.userId) : membership;
  }
  const response: CallResponse = {
    call: snapshot.model,
    members: membersPage(snapshot, membersLimit),
    own_capabilities: capabilitiesOf(actor, call, mine?.role),
  };
  if (mine) response.membership = mine;
  return response;
}
