/**
 * The realtime side of {@link RealtimePort}: services reach connections and presence through this, never the
 * sockets. Connection ids are looked up in this node's registry first; in a cluster, a connection another node
 * holds is found in the connection directory and the operation runs on its holder (cluster/remote-connections.ts),
 * which applies it through {@link GatewayPort.runRemote} exactly as for a local request.
 */
import { CloseCode, type ConnectionErrorEvent, ConnectionEventType } from '@switchboard/protocol';
import type { RemoteCommand, RemoteConnections } from '../cluster/remote-connections.js';
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
    /** Connections held by other nodes of a cluster; absent on a single node. */
    private readonly remote?: RemoteConnections,
  ) {
    this.access = new WatchAccess(registry, ctx);
    remote?.handle((command) => this.runRemote(command));
  }

  async requireConnection(actor: Actor, connectionId: string): Promise<string> {
    if (this.registry.get(connectionId) || !this.remote) {
      this.connectionFor(actor, connectionId);
      return this.ctx().nodeId;
    }
    return this.holderOf(actor, connectionId);
  }

  async watch(actor: Actor, connectionId: string, cids: readonly string[]): Promise<void> {
    if (!this.registry.get(connectionId) && this.remote) {
      const holder = await this.holderOf(actor, connectionId);
      await this.remote.send(holder, { op: 'watch', connection_id: connectionId, cids: [...cids] });
      return;
    }
    await this.watchHere(this.connectionFor(actor, connectionId), cids);
  }

  private async watchHere(connection: Connection, cids: readonly string[]): Promise<void> {
    const userId = connection.userId;
    this.registry.watch(connection, cids);
    if (userId === undefined) return;
    const moved = await this.presence.takeOver(this.ctx(), userId, cids, connection.id);
    if (moved > 0) this.carrying(connection.id, userId);
  }

  async subscribe(actor: Actor, connectionId: string, cid: string): Promise<() => void> {
    const remote = this.remote;
    if (!this.registry.get(connectionId) && remote) {
      const holder = await this.holderOf(actor, connectionId);
      await remote.send(holder, { op: 'subscribe', connection_id: connectionId, cid });
      return () => {
        remote.send(holder, { op: 'unsubscribe', connection_id: connectionId, cid }).catch(() => {});
      };
    }
    return this.subscribeHere(this.connectionFor(actor, connectionId), cid);
  }

  private subscribeHere(connection: Connection, cid: string): () => void {
    if (connection.watching.has(cid)) return () => {};
    this.registry.watch(connection, [cid]);
    return () => this.registry.unwatch(connection, cid);
  }

  async joined(userId: string, cid: string, connectionId: string): Promise<void> {
    if (!this.registry.get(connectionId) && this.remote) {
      const holder = await this.remote.lookup(connectionId);
      // The connection closed meanwhile on its node: nothing carries the participant, so the grace starts here.
      if (!holder) this.presence.connectionClosed(this.ctx(), connectionId, userId);
      else await this.remote.send(holder.nodeId, { op: 'joined', connection_id: connectionId, user_id: userId, cid });
      return;
    }
    this.carrying(connectionId, userId);
    await this.presence.replace(this.ctx(), userId, cid);
  }

  /**
   * A command from the node that served the request: the actor was checked there against the directory; the
   * connection must still be open here. Watching twice, or unsubscribing what is not watched, is harmless.
   */
  async runRemote(command: RemoteCommand): Promise<void> {
    const connection = this.registry.get(command.connection_id);
    if (command.op === 'joined') {
      this.carrying(command.connection_id, command.user_id);
      await this.presence.replace(this.ctx(), command.user_id, command.cid);
      return;
    }
    if (!connection) throw inputError(`connection ${command.connection_id} is not open`, 'connection_id');
    if (command.op === 'watch') await this.watchHere(connection, command.cids);
    else if (command.op === 'subscribe') this.subscribeHere(connection, command.cid);
    else this.registry.unwatch(connection, command.cid);
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

  /** The node holding a connection of another node, after the same checks as {@link connectionFor}. */
  private async holderOf(actor: Actor, connectionId: string): Promise<string> {
    const holder = await this.remote?.lookup(connectionId);
    if (!holder) throw inputError(`connection ${connectionId} is not open`, 'connection_id');
    if (actor.kind === 'server' || (actor.kind === 'user' && actor.userId === holder.userId)) return holder.nodeId;
    throw inputError(`connection ${connectionId} belongs to another user`, 'connection_id');
  }

  private connectionFor(actor: Actor, connectionId: string): Connection {
    const connection = this.registry.get(connectionId);
    if (!connection) throw inputError(`connection ${connectionId} is not open`, 'connection_id');
    if (actor.kind === 'server') return connection;
    if (actor.kind === 'user' && actor.userId === connection.userId) return connection;
    throw inputError(`connection ${connectionId} belongs to another user`, 'connection_id');
  }
}
