/**
 * What services may ask of the realtime layer without knowing about WebSockets (implemented by
 * realtime/gateway-port.ts; a node without a gateway uses {@link noRealtime}). A connection id is what
 * `connection.ok` handed the client; clients pass it as `connection_id` to watch calls and to join over it.
 */
import type { Actor } from '../domain/actor.js';
import { inputError } from '../domain/errors.js';

export interface RealtimePort {
  /**
   * Throws an input error naming `connection_id` unless that connection is open (on this node, or in a cluster on
   * any node) and belongs to the acting user (server actors may use any connection). Returns the id of the node
   * holding the connection: it owns the liveness of participations joined over it (cluster/node-liveness.ts).
   */
  requireConnection(actor: Actor, connectionId: string): Promise<string>;
  /**
   * Subscribes the connection to the calls' events (same check as {@link requireConnection}; callers have already
   * checked that the actor may read the calls). A user who recently lost a connection and now watches a call from
   * a new one takes over the participations of the lost connection in that call (presence grace, see presence.ts).
   */
  watch(actor: Actor, connectionId: string, cids: readonly string[]): Promise<void>;
  /**
   * Subscribes the connection to one call ahead of an operation whose own events it should receive (JoinCall:
   * the joiner sees its `call.session_participant_joined`). Returns the undo for when the operation fails: it
   * unsubscribes unless the connection was already watching.
   */
  subscribe(actor: Actor, connectionId: string, cid: string): Promise<() => void>;
  /**
   * `userId` joined `cid` over `connectionId`: participations of that user in the call over connections that have
   * closed since (and are waiting out their grace period) end now, replaced by the new one.
   */
  joined(userId: string, cid: string, connectionId: string): Promise<void>;
  /**
   * Access to calls may have shrunk outside any call event: these users' global role changed, or this call type's
   * grants did. Watches whose user no longer holds `read-call` are dropped (membership, member roles and blocks
   * are handled by the router from their own events). Call it after the change committed.
   */
  accessChanged(change: { userIds: readonly string[] } | { callType: string }): Promise<void>;
  /** These users were deleted: every connection of theirs is closed (`connection.error`, then close 1000). */
  usersDeleted(userIds: readonly string[]): void;
}

/** For nodes composed without a realtime gateway: every connection id is unknown. */
export const noRealtime: RealtimePort = {
  async requireConnection(_actor, connectionId): Promise<string> {
    throw inputError(`connection ${connectionId} is not open`, 'connection_id');
  },
  async watch(actor, connectionId) {
    await this.requireConnection(actor, connectionId);
  },
  async subscribe(actor, connectionId) {
    await this.requireConnection(actor, connectionId);
    return () => {};
  },
  async joined() {},
  async accessChanged() {},
  usersDeleted() {},
};
