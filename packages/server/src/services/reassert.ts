/**
 * A node that finds itself taken for dead (its `cluster_nodes` row was reaped while it was alive: a stall past the
 * node TTL, or an operator deleting the row) brings back the participations the reap ended whose realtime
 * connection it still holds open: the connection never dropped, so the participant never meant to leave.
 *
 * What the others see: the participant left (`call.session_participant_left`, sent by the reaping node) and joins
 * again over the same connection (`call.session_participant_joined`, a new `user_session_id`); if the reap ended
 * the session, a new one starts (`call.session_started`). Media connections are not brought back: the leave closed
 * them, and the client connects its media again with a new JoinCall (its SDK does so when told the participation
 * ended).
 *
 * Each call is handled in one transaction holding the call's lock that re-reads the marked rows and clears their
 * mark, so a participation is brought back once even if two runs overlap.
 */

import { ApiError } from '../domain/errors.js';
import { parseJson } from '../store/json.js';
import { clearReaped, reapedParticipants } from '../store/realtime-queries.js';
import { loadCall, lockCallIfPresent } from './call-access.js';
import { commit, type ServiceContext } from './context.js';
import { addParticipant } from './sessions.js';

/**
 * Brings back the reaped participations of this node whose connection `holds` says is still open here, at most
 * `limit` calls per run; the marks of the others are cleared (their connection is gone: they stay out). Returns
 * how many participations joined again. Normally finds nothing: a node only has marked rows after it was reaped.
 */
export async function reassertParticipations(
  ctx: ServiceContext,
  holds: (connectionId: string) => boolean,
  limit: number,
): Promise<number> {
  const rows = await reapedParticipants(ctx.store.read, ctx.nodeId, undefined, limit);
  let rejoined = 0;
  for (const cid of new Set(rows.map((r) => r.call_cid))) rejoined += await reassertCall(ctx, cid, holds);
  return rejoined;
}

async function reassertCall(
  ctx: ServiceContext,
  cid: string,
  holds: (connectionId: string) => boolean,
): Promise<number> {
  return commit(ctx, async (tx, emit) => {
    const locked = await lockCallIfPresent(ctx, tx, cid);
    const marked = await reapedParticipants(tx, ctx.nodeId, cid);
    await clearReaped(
      tx,
      marked.map((p) => p.user_session_id),
    );
    if (!locked || locked.row.ended_at !== null || locked.row.deleted_at !== null) return 0;
    const blocked = parseJson<string[]>(locked.row.blocked_user_ids, []);
    let rejoined = 0;
    const seen = new Set<string>();
    for (const p of marked) {
      const connectionId = p.connection_id;
      if (connectionId === null || !holds(connectionId) || blocked.includes(p.user_id)) continue;
      // One participation per user and connection, as a JoinCall over that connection makes.
      if (seen.has(`${p.user_id}\n${connectionId}`)) continue;
      seen.add(`${p.user_id}\n${connectionId}`);
      // Reloaded each time: the previous join may have started the session the next one joins.
      const call = await loadCall(ctx, tx, locked.row.type, cid);
      try {
        await addParticipant(ctx, tx, call, p.user_id, { connectionId, holder: ctx.nodeId }, emit);
        rejoined += 1;
      } catch (err) {
        // The call filled up or the user's share ran out meanwhile: that participant stays out, like a refused join.
        if (!(err instanceof ApiError)) throw err;
      }
    }
    return rejoined;
  });
}
