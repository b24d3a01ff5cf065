/**
 * Who receives a committed call event on this node (docs/api.md "Events"), and its delivery.
 *
 * - `call.ring` / `call.notification`: the members the event lists (the callees), never the caller.
 * - `call.missed`: the members who missed the call, and the caller (so the ringing side learns the ring is over).
 * - `call.permissions_updated`: only the connections of the user it is about (it carries that user's
 *   `own_capabilities`).
 * - every other call event: connections watching the call, and every connection of every member (the actor's own
 *   included); `call.member_removed` also reaches the removed users.
 * - a user on the call's block list receives nothing more of the call but the `call.blocked_user` naming them; a
 *   connection whose token is limited to some calls (`call_cids`) receives only those calls' events.
 *
 * Access: after an event that can take away a user's right to read the call (removed from the members, a member
 * role changed, blocked), the watches of the users it names are checked again (watch-access.ts) before the call's
 * next event is delivered; a watch that no longer holds `read-call` is dropped.
 *
 * Ordering: events of one call are delivered in the order they were published (each waits for the previous one of
 * its call, since finding members may need a query); different calls do not wait for each other. An event is
 * encoded once and the same bytes are written to every recipient.
 */
import { type CallEvent, EventType } from '@switchboard/protocol';
import type { Logger } from 'pino';
import type { Connection } from './connection.js';
import type { ConnectionRegistry } from './connection-registry.js';
import type { MemberDirectory } from './member-directory.js';
import type { WatchAccess } from './watch-access.js';

export class EventRouter {
  private readonly tails = new Map<string, Promise<void>>();

  constructor(
    private readonly registry: ConnectionRegistry,
    private readonly members: MemberDirectory,
    private readonly access: WatchAccess,
    private readonly logger: Logger,
  ) {}

  /** Queues the event behind earlier events of its call. */
  route(event: CallEvent): void {
    const cid = event.call_cid;
    const previous = this.tails.get(cid) ?? Promise.resolve();
    const tail = previous
      .then(() => this.deliver(event))
      .catch((err: unknown) => {
        this.logger.error({ err, type: event.type, cid }, 'realtime delivery failed');
      });
    this.tails.set(cid, tail);
    void tail.then(() => {
      if (this.tails.get(cid) === tail) this.tails.delete(cid);
    });
  }

  /** Resolves once every event routed so far has been handed to its connections. */
  async idle(): Promise<void> {
    while (this.tails.size > 0) await Promise.all([...this.tails.values()]);
  }

  private async deliver(event: CallEvent): Promise<void> {
    const recipients = await this.recipients(event);
    this.members.apply(event);
    if (event.type === EventType.CallDeleted) this.registry.forgetCall(event.call_cid);
    if (recipients.size > 0) {
      const data = Buffer.from(JSON.stringify(event));
      for (const connection of recipients) {
        if (this.mayReceive(connection, event)) connection.sendText(data);
      }
    }
    const affected = usersWhoseAccessMayShrink(event);
    if (affected.length > 0) await this.access.recheckUsers(affected, event.call_cid);
  }

  private async recipients(event: CallEvent): Promise<Set<Connection>> {
    const out = new Set<Connection>();
    const addUser = (userId: string) => {
      for (const c of this.registry.ofUser(userId)) out.add(c);
    };
    switch (event.type) {
      case EventType.CallRing:
      case EventType.CallNotification:
        for (const m of event.members) if (m.user_id !== event.user.id) addUser(m.user_id);
        return out;
      case EventType.CallMissed:
        for (const m of event.members) addUser(m.user_id);
        addUser(event.user.id);
        return out;
      case EventType.CallPermissionsUpdated:
        addUser(event.user.id);
        return out;
    }
    for (const c of this.registry.watchersOf(event.call_cid)) out.add(c);
    if (this.registry.userCount > 0) {
      for (const userId of await this.members.members(event.call_cid)) addUser(userId);
    }
    if (event.type === EventType.CallMemberRemoved) for (const userId of event.members) addUser(userId);
    if (event.type === EventType.CallMemberAdded) for (const m of event.members) addUser(m.user_id);
    return out;
  }

  private mayReceive(connection: Connection, event: CallEvent): boolean {
    const user = connection.user;
    if (!user) return false;
    const scope = user.actor.callCids;
    if (scope && !scope.includes(event.call_cid)) return false;
    if (event.call.blocked_user_ids.includes(user.userId)) {
      return event.type === EventType.CallBlockedUser && event.user.id === user.userId;
    }
    return true;
  }
}

/** The users an event may have taken `read-call` away from (their watches of the call are checked again). */
function usersWhoseAccessMayShrink(event: CallEvent): string[] {
  switch (event.type) {
    case EventType.CallMemberRemoved:
      return event.members;
    case EventType.CallMemberUpdatedPermission:
      return event.members.map((m) => m.user_id);
    case EventType.CallBlockedUser:
      return [event.user.id];
    default:
      return [];
  }
}
