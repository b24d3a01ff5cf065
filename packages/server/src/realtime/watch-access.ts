/**
 * Who may keep watching a call. Watching is granted once, when GetCall / QueryCalls / JoinCall checked that the
 * user may read the call; this checks again when that can have stopped being true, and drops the watches that no
 * longer hold. Watching needs `read-call`, resolved exactly as a request would (domain/permissions.ts through
 * call-access.ts): the call type's grants for the user's current global role and member role, minus a block.
 *
 * Cheap by construction: nothing runs per delivered event. A check runs only for the connections of the users a
 * change is about, and only for the calls they watch:
 * - membership, member role, block: the router calls {@link recheckUsers} for the users the event names, right
 *   after delivering that event and before the call's next one;
 * - a user's global role, a call type's grants: the services say so through the realtime port.
 */
import { OwnCapability } from '@switchboard/protocol';
import { capabilitiesOf } from '../services/call-access.js';
import type { ServiceContext } from '../services/context.js';
import type { UsersTable } from '../store/schema.js';
import type { Connection } from './connection.js';
import type { ConnectionRegistry } from './connection-registry.js';

export class WatchAccess {
  constructor(
    private readonly registry: ConnectionRegistry,
    private readonly ctx: () => ServiceContext,
  ) {}

  /** Checks every watch of these users' connections (on `cid` only, when given); returns how many were dropped. */
  async recheckUsers(userIds: Iterable<string>, cid?: string): Promise<number> {
    let dropped = 0;
    for (const userId of new Set(userIds)) {
      const connections = [...this.registry.ofUser(userId)].filter((c) =>
        cid === undefined ? c.watching.size > 0 : c.watching.has(cid),
      );
      if (connections.length === 0) continue;
      const user = await this.ctx().store.read.users.get(userId);
      const cids = new Set(cid === undefined ? connections.flatMap((c) => [...c.watching]) : [cid]);
      for (const watched of cids) {
        if (await this.mayWatch(user, userId, watched)) continue;
        for (const connection of connections) dropped += this.drop(connection, watched);
      }
    }
    return dropped;
  }

  /** Checks every watch of every call of this type (its grants changed); returns how many were dropped. */
  async recheckCallType(type: string): Promise<number> {
    const prefix = `${type}:`;
    let dropped = 0;
    for (const cid of this.registry.watchedCalls()) {
      if (!cid.startsWith(prefix)) continue;
      const userIds = [...this.registry.watchersOf(cid)].flatMap((c) => (c.userId === undefined ? [] : [c.userId]));
      dropped += await this.recheckUsers(userIds, cid);
    }
    return dropped;
  }

  /** Of `cids`, those `userId` may watch now (a resuming connection restores its watches through this). */
  async watchable(userId: string, cids: readonly string[]): Promise<string[]> {
    if (cids.length === 0) return [];
    const user = await this.ctx().store.read.users.get(userId);
    const allowed: string[] = [];
    for (const cid of cids) if (await this.mayWatch(user, userId, cid)) allowed.push(cid);
    return allowed;
  }

  private async mayWatch(user: UsersTable | undefined, userId: string, cid: string): Promise<boolean> {
    if (!user || user.deleted_at !== null) return false;
    const ctx = this.ctx();
    const row = await ctx.store.read.calls.get(cid);
    if (!row) return false;
    const type = await ctx.callTypes.get(row.type);
    if (!type) return false;
    const member = await ctx.store.read.members.get(cid, userId);
    const actor = { kind: 'user', userId, role: user.role } as const;
    return capabilitiesOf(actor, { row, type }, member?.role).includes(OwnCapability.READ_CALL);
  }

  private drop(connection: Connection, cid: string): number {
    if (!connection.watching.has(cid)) return 0;
    this.registry.unwatch(connection, cid);
    return 1;
  }
}
