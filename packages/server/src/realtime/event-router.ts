/**
 * Who receives a committed call event on this node (docs/api.md "Events"), and its delivery.
 *
 * Who receives what is decided in domain/audience.ts (shared with push delivery); this module adds what only a
 * connection has: a connection whose token is limited to some calls (`call_cids`) receives only those calls' events.
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
import { audienceOf, mayReceive, needsMembers } from '../domain/audience.js';
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
        if (this.mayReceive(connection, event)) connection.deliver(event.id, data);
      }
    }
    const affected = usersWhoseAccessMayShrink(event);
    if (affected.length > 0) await this.access.recheckUsers(affected, event.call_cid);
  }

  private async recipients(event: CallEvent): Promise<Set<Connection>> {
    const out = new Set<Connection>();
    // Member lists cost a lookup: only fetched when some user is connected to this node at all.
    const members =
      needsMembers(event) && this.registry.userCount > 0 ? await this.members.members(event.call_cid) : [];
    const audience = audienceOf(event, members);
    if (audience.watchers) for (const c of this.registry.watchersOf(event.call_cid)) out.add(c);
    for (const userId of audience.users) for (const c of this.registry.ofUser(userId)) out.add(c);
    return out;
  }

  private mayReceive(connection: Connection, event: CallEvent): boolean {
    return connectionMayReceive(connection, event);
  }
}

/** A token limited to some calls hears only of those; then the block list decides (domain/audience.ts). */
export function connectionMayReceive(connection: Connection, event: CallEvent): boolean {
  const user = connection.user;
  if (!user) return false;
  const scope = user.actor.callCids;
  if (scope && !scope.includes(event.call_cid)) return false;
  return mayReceive(event, user.userId);
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
