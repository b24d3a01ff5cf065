/**
 * What every service needs, built once by the composition root (app/compose.ts). There is no global state: two
 * servers in one process each get their own context.
 */
import { randomUUID } from 'node:crypto';
import type { CallEvent } from '@switchboard/protocol';
import type { EventBus } from '../bus/event-bus.js';
import type { Clock } from '../domain/clock.js';
import type { OutboundPolicies } from '../domain/network-address.js';
import type { Repositories, Store } from '../store/store.js';
import type { CallSnapshotCache } from './call-snapshots.js';
import type { CallTypeCache } from './call-type-cache.js';
import { fitEvent } from './event-size.js';
import type { MediaPort } from './media-port.js';
import type { RealtimePort } from './realtime-port.js';
import type { RingTracker } from './ring-tracker.js';

export interface ServiceConfig {
  apiKey: string;
  apiSecret: string;
  /** Public URL of this node, handed to joiners as `credentials.server.url`. */
  publicUrl: string;
  /** What a client may send (app/config.ts): checked where input enters, by http/ and realtime/. */
  limits: InputLimits;
  /** How many participations a user may hold, and how long one may go without an owner (sessions.ts). */
  participation: ParticipationLimits;
  /** Where URLs the node will POST to may point (checked when saved, and again at connect time by delivery/). */
  outbound: OutboundPolicies;
}

export interface ParticipationLimits {
  /** Participations one user may hold in one call's session at once. */
  maxPerUserPerCall: number;
  /** A participation held by no realtime or media connection leaves this long after it joined. */
  ownerDeadlineMs: number;
}

export interface InputLimits {
  /** Largest `custom` object a client may write, in UTF-8 bytes of its JSON. */
  maxCustomBytes: number;
  /** Deepest nesting of objects and arrays in a request body or WebSocket message. */
  maxJsonDepth: number;
  /** Largest call event (UTF-8 bytes of its JSON) a write may commit; see services/event-size.ts. 0 = any. */
  maxEventBytes: number;
}

export interface ServiceContext {
  /** This process's identity among the nodes sharing one database (fresh at every start; never reused). */
  readonly nodeId: string;
  readonly store: Store;
  readonly bus: EventBus;
  readonly clock: Clock;
  readonly callTypes: CallTypeCache;
  /** Read model of calls for GetCall / GetOrCreate; dropped per call by committed events (compose.ts). */
  readonly snapshots: CallSnapshotCache;
  readonly config: ServiceConfig;
  /** Connections, watching and presence (realtime/); `noRealtime` when a node runs without a gateway. */
  readonly realtime: RealtimePort;
  /** Rings in progress on this node (ringing.ts). */
  readonly rings: RingTracker;
  /** Where joiners connect their media (media/); absent when the node runs without media (`SWITCHBOARD_MEDIA=off`). */
  readonly media?: MediaPort;
}

export type Emit = (event: CallEvent) => void;

/**
 * Runs `work` in one transaction, appending the events it emits to the outbox in that same transaction, and
 * publishes them on the bus only after the commit: no event for a change that rolled back, none lost after.
 */
export async function commit<T>(ctx: ServiceContext, work: (tx: Repositories, emit: Emit) => Promise<T>): Promise<T> {
  const events: CallEvent[] = [];
  const result = await ctx.store.transaction(async (tx) => {
    events.length = 0; // a retried transaction starts over
    const value = await work(tx, collector(events));
    fitEvents(ctx, events);
    await tx.outbox.append(events);
    return value;
  });
  await publishCommitted(ctx, events);
  return result;
}

/**
 * For work that changes no state and only emits events (custom events): `work` reads through the root
 * repositories, outside any transaction, and its events join the node's outbox group commit
 * (store/outbox-group-commit.ts), one INSERT shared with concurrent requests instead of a transaction of its own.
 * The request still returns only after its own rows committed, and they are published only after that, in the
 * order emitted. Nothing is lost by reading outside a transaction: on PostgreSQL (READ COMMITTED) every statement
 * sees its own snapshot anyway, and the work takes no lock. If `work` throws, nothing is appended.
 */
export async function commitEvents<T>(
  ctx: ServiceContext,
  work: (repos: Repositories, emit: Emit) => Promise<T>,
): Promise<T> {
  const events: CallEvent[] = [];
  const value = await work(ctx.store.read, collector(events));
  fitEvents(ctx, events);
  await ctx.store.outboxGroup.append(events);
  await publishCommitted(ctx, events);
  return value;
}

/** The id is stamped here, once per event, so the outbox row, the bus and every delivery carry the same one. */
function collector(events: CallEvent[]): Emit {
  return (e) => events.push({ ...e, id: randomUUID() });
}

/** Refused before the write, an oversize event takes its whole write back with it. */
function fitEvents(ctx: ServiceContext, events: CallEvent[]): void {
  for (const [i, event] of events.entries()) events[i] = fitEvent(event, ctx.config.limits.maxEventBytes);
}

/**
 * A cluster bus hands back a promise per event: the response waits until the other nodes have them, so a read on
 * another node right after this write's response cannot be served from a cache that event invalidates.
 */
async function publishCommitted(ctx: ServiceContext, events: readonly CallEvent[]): Promise<void> {
  const handedOver: Promise<void>[] = [];
  for (const event of events) {
    const pending = ctx.bus.publish(event);
    if (pending) handedOver.push(pending);
  }
  if (handedOver.length > 0) await Promise.all(handedOver);
}
