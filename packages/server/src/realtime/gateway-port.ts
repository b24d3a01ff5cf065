/**
 * The realtime side of {@link RealtimePort}: services reach connections and presence through this, never the
 * sockets. Connection ids are checked against this node's registry (the scale-out work forwards watch requests
 * for connections held by other nodes).
 */
import { CloseCode, type ConnectionErrorEvent, ConnectionEventType } from '@switchboard/protocol';
import type { Actor } from '../domain/actor.js';
import { isoNow } from '../domain/clock.js';
import { authFailed, inputError } from '../domain/errors.js';
import { errorBody } from '../http/error-mapper.js';
import type { ServiceContext } from '../services/context.js';
import type { Presence } from '../services/presence.js';
import type { RealtimePort } from '../services/realtime-port.js';
import type { Connection } from './connection.js';
import type { ConnectionRegistry } from './connection-registry.js';
import { WatchAccess } from './watch-access.js';

export class GatewayPort implements RealtimePort {
  private readonly access: WatchAccess;

  constructor(
    private readonly registry: ConnectionRegistry,
    private readonly presence: Presence,
    /** The node's service context (built after this port, which it contains). */
    private readonly ctx: () => ServiceContext,
  ) {
    this.access = new WatchAccess(registry, ctx);
  }

  requireConnection(actor: Actor, connectionId: string): void {
    this.connectionFor(actor, connectionId);
  }

  async watch(actor: Actor, connectionId: string, cids: readonly string[]): Promise<void> {
    const connection = this.connectionFor(actor, connectionId);
    const userId = connection.userId;
    this.registry.watch(connection, cids);
    if (userId === undefined) return;
    const moved = await this.presence.takeOver(this.ctx(), userId, cids, connection.id);
    if (moved > 0) this.carrying(connection.id, userId);
  }

  subscribe(actor: Actor, connectionId: string, cid: string): () => void {
    const connection = this.connectionFor(actor, connectionId);
    if (connection.watching.has(cid)) return () => {};
    this.registry.watch(connection, [cid]);
    return () => this.registry.unwatch(connection, cid);
  }

  async joined(userId: string, cid: string, connectionId: string): Promise<void> {
    this.carrying(connectionId, userId);
    await this.presence.replace(this.ctx(), userId, cid);
  }

  async accessChanged(change: { userIds: readonly string[] } | { callType: string }): Promise<void> {
    if ('callType' in change) await this.access.recheckCallType(change.callType);
    else await this.access.recheckUsers(change.userIds);
  }

  usersDeleted(userIds: readonly string[]): void {
    for (const userId of new Set(userIds)) {
      for (const connection of [...this.registry.ofUser(userId)]) {
        const event: ConnectionErrorEvent = {
          type: ConnectionEventType.ConnectionError,
          error: errorBody(authFailed(`user ${userId} was deleted`), 'Connect', '0.00ms'),
          created_at: isoNow(this.ctx().clock),
        };
        connection.sendJson(event);
        // 1000: like a refused handshake, the client must not reconnect (it would be refused).
        connection.close(CloseCode.AuthRejected, 'user deleted');
      }
    }
  }

  /**
   * Participations now hang off this connection: its close must start the grace period. If it already closed
   * (while the join or take-over was being written), the grace period starts now.
   */
  private carrying(connectionId: string, userId: string): void {
    const connection = this.registry.get(connectionId);
    if (connection) connection.carriesParticipants = true;
    else this.presence.connectionClosed(this.ctx(), connectionId, userId);
  }

  private connectionFor(actor: Actor, connectionId: string): Connection {
    const connection = this.registry.get(connectionId);
    if (!connection) throw inputError(`connection ${connectionId} is not open`, 'connection_id');
    if (actor.kind === 'server') return connection;
    if (actor.kind === 'user' && actor.userId === connection.userId) return connection;
    throw inputError(`connection ${connectionId} belongs to another user`, 'connection_id');
  }
}
