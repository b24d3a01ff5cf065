/**
 * QueryCalls' entries for a whole page at once. A call not in the node's snapshot cache needs its session, the
 * session's participants, its newest members and their users; read one call at a time that is about four
 * statements per call (≈100 for a page of 25). Here every table is read once for all the page's missing calls, so
 * a page costs the same few round trips whatever its `limit`:
 *
 *   sessions ∥ participants ∥ newest members  →  [the actor's memberships, only if a call has > 100 members]  →  users
 *
 * (plus one call-type read per type not in the call-type cache). The rows are assembled by the same functions
 * as the one-call loader (call-response.ts), so an entry is the same JSON whichever path built it.
 */
import type { CallResponse, Member } from '@switchboard/protocol';
import type { Actor } from '../domain/actor.js';
import type { Repositories } from '../store/store.js';
import type { LoadedCall } from './call-access.js';
import {
  assembleCallModel,
  assembleMembers,
  assembleSnapshot,
  DEFAULT_MEMBERS_LIMIT,
  responseFromSnapshot,
} from './call-response.js';
import { type CallSnapshot, SNAPSHOT_MEMBERS } from './call-snapshots.js';

/** Where cached snapshots come from: the node's cache, read without storing (a scan must not evict hot calls). */
export interface SnapshotSource {
  cached(cid: string): CallSnapshot | undefined;
}

/** The page's entries `{ call, members, own_capabilities, membership? }`, in the order of `calls`. */
export async function pageResponses(
  repos: Repositories,
  actor: Actor,
  calls: readonly LoadedCall[],
  cache: SnapshotSource,
): Promise<CallResponse[]> {
  const snapshots = new Map<string, CallSnapshot>();
  const missing: LoadedCall[] = [];
  for (const call of calls) {
    const hit = cache.cached(call.row.cid);
    if (hit) snapshots.set(call.row.cid, hit);
    else missing.push(call);
  }
  for (const snapshot of await loadSnapshots(repos, missing)) snapshots.set(snapshot.row.cid, snapshot);

  const memberships = await membershipsOf(repos, actor, [...snapshots.values()]);
  return calls.map((call) => {
    const snapshot = snapshots.get(call.row.cid) as CallSnapshot;
    // The entry speaks of the snapshot's row, as the one-call path does (a cached snapshot may be newer).
    return responseFromSnapshot(
      actor,
      { row: snapshot.row, type: call.type },
      snapshot,
      DEFAULT_MEMBERS_LIMIT,
      memberships.get(call.row.cid),
    );
  });
}

/** Snapshots of `calls`, read with one statement per table for all of them. */
export async function loadSnapshots(repos: Repositories, calls: readonly LoadedCall[]): Promise<CallSnapshot[]> {
  if (calls.length === 0) return [];
  const sessionIds = [...new Set(calls.map((c) => c.row.current_session_id).filter((id): id is string => !!id))];
  const [sessions, participants, members] = await Promise.all([
    repos.sessions.getMany(sessionIds),
    repos.sessions.activeParticipantsOfSessions(sessionIds),
    repos.members.listNewestOfCalls(
      calls.map((c) => c.row.cid),
      SNAPSHOT_MEMBERS + 1,
    ),
  ]);
  const userIds: string[] = [];
  for (const { row } of calls) {
    userIds.push(row.created_by_user_id);
    for (const m of (members.get(row.cid) ?? []).slice(0, SNAPSHOT_MEMBERS)) userIds.push(m.user_id);
    const session = row.current_session_id ? sessions.get(row.current_session_id) : undefined;
    if (session) for (const p of participants.get(session.id) ?? []) userIds.push(p.user_id);
  }
  const users = await repos.users.getMany(userIds);
  return calls.map((call) => {
    const { row } = call;
    const session = row.current_session_id ? sessions.get(row.current_session_id) : undefined;
    const model = assembleCallModel(call, session, session ? (participants.get(session.id) ?? []) : [], users);
    return assembleSnapshot(call, model, members.get(row.cid) ?? [], users);
  });
}

/**
 * A user actor's membership of the calls whose snapshot does not list every member (more than SNAPSHOT_MEMBERS):
 * one statement for all of them, none when every snapshot is complete.
 */
async function membershipsOf(
  repos: Repositories,
  actor: Actor,
  snapshots: readonly CallSnapshot[],
): Promise<Map<string, Member>> {
  const out = new Map<string, Member>();
  if (actor.kind !== 'user') return out;
  const unknown = snapshots.filter((s) => !s.allMembersKnown).map((s) => s.row.cid);
  if (unknown.length === 0) return out;
  const rows = await repos.members.ofUserInCalls(actor.userId, unknown);
  if (rows.length === 0) return out;
  const members = assembleMembers(rows, await repos.users.getMany([actor.userId]));
  for (const [i, row] of rows.entries()) out.set(row.call_cid, members[i] as Member);
  return out;
}
