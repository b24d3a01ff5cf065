/**
 * Queries the realtime features need beyond the core repositories: every member of a call (ringing, event
 * routing) and participants by the connection they joined over (presence). Both dialects; indexed by
 * `call_members` primary key and `session_participants_by_connection`.
 */
import type { CallMembersTable, SessionParticipantsTable } from './schema.js';
import type { Repositories } from './store.js';

/** Every member of a call, oldest first. */
export function allMembers(repos: Repositories, cid: string): Promise<CallMembersTable[]> {
  return repos.db
    .selectFrom('call_members')
    .selectAll()
    .where('call_cid', '=', cid)
    .orderBy('created_at')
    .orderBy('user_id')
    .execute();
}

export async function memberIds(repos: Repositories, cid: string): Promise<string[]> {
  const rows = await repos.db.selectFrom('call_members').select('user_id').where('call_cid', '=', cid).execute();
  return rows.map((r) => r.user_id);
}

/** Participants still in a session who joined over one of these connections. */
export function activeParticipantsByConnections(
  repos: Repositories,
  connectionIds: readonly string[],
  cid?: string,
): Promise<SessionParticipantsTable[]> {
  if (connectionIds.length === 0) return Promise.resolve([]);
  let query = repos.db
    .selectFrom('session_participants')
    .selectAll()
    .where('connection_id', 'in', [...connectionIds])
    .where('left_at', 'is', null);
  if (cid !== undefined) query = query.where('call_cid', '=', cid);
  return query.orderBy('joined_at').orderBy('user_session_id').execute();
}

/** Moves a user's live participations in a call from closed connections to a new one. Returns how many moved. */
export async function rehomeParticipants(
  repos: Repositories,
  cid: string,
  userId: string,
  fromConnectionIds: readonly string[],
  toConnectionId: string,
): Promise<number> {
  if (fromConnectionIds.length === 0) return 0;
  const result = await repos.db
    .updateTable('session_participants')
    .set({ connection_id: toConnectionId })
    .where('call_cid', '=', cid)
    .where('user_id', '=', userId)
    .where('left_at', 'is', null)
    .where('connection_id', 'in', [...fromConnectionIds])
    .executeTakeFirst();
  return Number(result.numUpdatedRows ?? 0);
}

/** Every connection that live participations hang off, with its user (presence adopts them on start). */
export async function connectionsWithParticipants(
  repos: Repositories,
): Promise<{ connection_id: string; user_id: string }[]> {
  const rows = await repos.db
    .selectFrom('session_participants')
    .select(['connection_id', 'user_id'])
    .distinct()
    .where('left_at', 'is', null)
    .where('connection_id', 'is not', null)
    .execute();
  return rows.flatMap((r) =>
    r.connection_id === null ? [] : [{ connection_id: r.connection_id, user_id: r.user_id }],
  );
}
