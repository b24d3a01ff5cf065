/**
 * Watching: a realtime connection subscribes to calls' events by passing its `connection_id` to GetCall,
 * GetOrCreateCall, JoinCall or QueryCalls (`watch: true`). There is no subscribe message (docs/api.md).
 */
import type { Actor } from '../domain/actor.js';
import type { ServiceContext } from './context.js';

/**
 * Subscribes `connectionId` to `cids`. Call it after the operation checked that the actor may read those calls.
 * Does nothing without a connection id; throws an input error naming `connection_id` when the connection is not
 * open on this node or is another user's.
 *
 * @example
 * ```ts
 * // QueryCalls with `watch: true`
 * await watchCalls(ctx, actor, query.connection_id, page.calls.map((c) => c.call.cid));
 * ```
 */
export async function watchCalls(
  ctx: ServiceContext,
  actor: Actor,
  connectionId: string | undefined,
  cids: readonly string[],
): Promise<void> {
  if (connectionId === undefined || connectionId === '') return;
  await ctx.realtime.watch(actor, connectionId, cids);
}
