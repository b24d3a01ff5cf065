/**
 * The authenticated connections of this node, indexed the three ways delivery needs: by id (watch requests), by
 * user (member routing) and by watched call. In memory, per node; no I/O.
 */
import type { Connection } from './connection.js';

/**
 * Calls one connection may watch at once. Watches are per-node memory a client grows by reading calls, so they
 * are bounded: past the bound, the call watched longest ago is dropped first.
 */
export const MAX_WATCHED_CALLS = 1000;

export class ConnectionRegistry {
  private readonly byId = new Map<string, Connection>();
  private readonly byUser = new Map<string, Set<Connection>>();
  private readonly byCall = new Map<string, Set<Connection>>();

  /** Registers an authenticated connection. */
  add(connection: Connection): void {
    const userId = connection.userId;
    if (userId === undefined) throw new Error('only authenticated connections are registered');
    this.byId.set(connection.id, connection);
    addTo(this.byUser, userId, connection);
  }

  /** Unregisters a connection and every watch it held. Idempotent. */
  remove(connection: Connection): void {
    if (this.byId.get(connection.id) !== connection) return;
    this.byId.delete(connection.id);
    if (connection.userId !== undefined) removeFrom(this.byUser, connection.userId, connection);
    for (const cid of connection.watching) removeFrom(this.byCall, cid, connection);
    connection.watching.clear();
  }

  get(connectionId: string): Connection | undefined {
    return this.byId.get(connectionId);
  }

  watch(connection: Connection, cids: readonly string[]): void {
    if (this.byId.get(connection.id) !== connection) return;
    for (const cid of cids) {
      if (!connection.watching.has(cid) && connection.watching.size >= MAX_WATCHED_CALLS) {
        const oldest = connection.watching.values().next();
        if (!oldest.done) this.unwatch(connection, oldest.value);
      }
      connection.watching.add(cid);
      addTo(this.byCall, cid, connection);
    }
  }

  unwatch(connection: Connection, cid: string): void {
    connection.watching.delete(cid);
    removeFrom(this.byCall, cid, connection);
  }

  ofUser(userId: string): ReadonlySet<Connection> {
    return this.byUser.get(userId) ?? EMPTY;
  }

  watchersOf(cid: string): ReadonlySet<Connection> {
    return this.byCall.get(cid) ?? EMPTY;
  }

  /** The calls some connection of this node watches. */
  watchedCalls(): string[] {
    return [...this.byCall.keys()];
  }

  /** Stops every connection watching a call (it was deleted). */
  forgetCall(cid: string): void {
    for (const connection of this.byCall.get(cid) ?? []) connection.watching.delete(cid);
    this.byCall.delete(cid);
  }

  all(): IterableIterator<Connection> {
    return this.byId.values();
  }

  get size(): number {
    return this.byId.size;
  }

  get userCount(): number {
    return this.byUser.size;
  }
}

const EMPTY: ReadonlySet<Connection> = new Set();

function addTo(index: Map<string, Set<Connection>>, key: string, connection: Connection): void {
  let set = index.get(key);
  if (!set) {
    set = new Set();
    index.set(key, set);
  }
  set.add(connection);
}

function removeFrom(index: Map<string, Set<Connection>>, key: string, connection: Connection): void {
  const set = index.get(key);
  if (!set) return;
  set.delete(connection);
  if (set.size === 0) index.delete(key);
}
