import { sql } from 'kysely';
/**
 * Queries the realtime features need beyond the core repositories: every member of a call (ringing, event
 * routing) and participants by the connection they joined over and the node holding it (presence). Both dialects; indexed by
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

/** Moves a user's live participations in these calls from closed connections to a new one. Returns how many moved. */
export async function rehomeParticipants(
  repos: Repositories,
  cids: readonly string[],
  userId: string,
  fromConnectionIds: readonly string[],
  toConnectionId: string,
  toNodeId: string,
): Promise<number> {
  if (fromConnectionIds.length === 0) return 0;
  const result = await repos.db
    .updateTable('session_participants')
    .set({ connection_id: toConnectionId, node_id: toNodeId })
    .where('call_cid', 'in', [...cids])
    .where('user_id', '=', userId)
    .where('left_at', 'is', null)
    .where('connection_id', 'in', [...fromConnectionIds])
    .executeTakeFirst();
  return Number(result.numUpdatedRows ?? 0);
}

/**
 * Live participations whose liveness a node owns (their realtime or media connection is there) and whose node has
 * no `cluster_nodes` row: the node died (its row was reaped) or ran before nodes had rows. Optionally of one call;
 * at most `limit` rows. Served by the partial index `session_participants_live_by_node`.
 */
export function orphanParticipants(
  repos: Repositories,
  cid?: string,
  limit = 1000,
): Promise<SessionParticipantsTable[]> {
  let query = repos.db
    .selectFrom('session_participants as p')
    .selectAll('p')
    .where('p.left_at', 'is', null)
    .where('p.node_id', 'is not', null)
    .where(({ not, exists, selectFrom }) =>
      not(exists(selectFrom('cluster_nodes as n').select('n.node_id').whereRef('n.node_id', '=', 'p.node_id'))),
    )
    // In their presence grace (a drained node handed them over): the grace job ends them, or a reconnect keeps them.
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('scheduled_jobs as j')
            .select('j.key')
            .where('j.key', '=', sql<string>`'presence:' || p.connection_id`),
        ),
      ),
    );
  if (cid !== undefined) query = query.where('p.call_cid', '=', cid);
  return query.orderBy('p.call_cid').limit(limit).execute();
}

/**
 * Live participations nobody holds (no realtime or media connection owns them: `node_id` is null) that joined
 * before `joinedBefore`. Optionally of one call; at most `limit` rows, oldest first. Served by the partial index
 * `session_participants_unowned`.
 */
export function unownedParticipants(
  repos: Repositories,
  joinedBefore: string,
  cid?: string,
  limit = 1000,
): Promise<SessionParticipantsTable[]> {
  let query = repos.db
    .selectFrom('session_participants')
    .selectAll()
    .where('left_at', 'is', null)
    .where('node_id', 'is', null)
    .where('joined_at', '<', joinedBefore);
  if (cid !== undefined) query = query.where('call_cid', '=', cid);
  return query.orderBy('joined_at').orderBy('user_session_id').limit(limit).execute();
}

/** Marks participations that just left because their node was taken for dead (services/reassert.ts). */
export async function markReaped(repos: Repositories, userSessionIds: readonly string[], now: string): Promise<void> {
  if (userSessionIds.length === 0) return;
  await repos.db
    .updateTable('session_participants')
    .set({ reaped_at: now })
    .where('user_session_id', 'in', [...userSessionIds])
    .execute();
}

/**
 * Participations of `nodeId` that left because the node was taken for dead and were not dealt with since; optionally
 * of one call, at most `limit` rows. Served by the partial index `session_participants_reaped` (normally empty for
 * a live node, so cheap to ask on every reap).
 */
export function reapedParticipants(
  repos: Repositories,
  nodeId: string,
  cid?: string,
  limit = 1000,
): Promise<SessionParticipantsTable[]> {
  let query = repos.db
    .selectFrom('session_participants')
    .selectAll()
    .where('node_id', '=', nodeId)
    .where('reaped_at', 'is not', null);
  if (cid !== undefined) query = query.where('call_cid', '=', cid);
  return query.orderBy('call_cid').orderBy('joined_at').orderBy('user_session_id').limit(limit).execute();
}

/** The reap of these participations was dealt with (brought back, or found not to be): the mark goes. */
export async function clearReaped(repos: Repositories, userSessionIds: readonly string[]): Promise<void> {
  if (userSessionIds.length === 0) return;
  await repos.db
    .updateTable('session_participants')
    .set({ reaped_at: null })
    .where('user_session_id', 'in', [...userSessionIds])
    .execute();
}
