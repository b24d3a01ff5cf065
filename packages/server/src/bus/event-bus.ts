import type { CallEvent } from '@switchboard/protocol';

export type EventListener = (event: CallEvent) => void;

/**
 * Internal messages between nodes, never sent to clients: what changed outside any call event, so that every
 * node drops what it cached about it and re-checks the watches it holds (cluster/cache-coherence.ts).
 */
export type ClusterNotice =
  /**
   * Users were created, updated or deleted: their details appear in the views of the calls they are in, whose cached
   * copies are dropped (every call's when `user_ids` is absent, as from a node that did not list them);
   * `role_changed` lost or gained grants.
   */
  | { kind: 'users_changed'; user_ids?: string[]; role_changed: string[]; deleted: string[] }
  /** A call type was created, updated or deleted; `grants_changed` when watchers may have lost `read-call`. */
  | { kind: 'call_type_changed'; name: string; grants_changed: boolean };

export type NoticeListener = (notice: ClusterNotice) => void | Promise<void>;

/**
 * Fan-out of committed events to whoever delivers them in real time (the WebSocket gateway of every node).
 *
 * Contract: `publish` is called only after the event's transaction committed; every subscriber on every node
 * receives each published event once, in publish order per publishing node (events and notices share that order).
 * Subscribers on the publishing node receive it synchronously, inside `publish`. Delivery to other nodes is
 * best-effort (a node that is down, or cut off from the others, misses events: see `onGap`); durable delivery is
 * the outbox's job.
 */
export interface EventBus {
  /**
   * Delivers locally, then hands the event to the other nodes. A returned promise resolves once the other nodes'
   * transport accepted it (or gave up: it never rejects); `commit` awaits it, so the writer's response does not
   * overtake the invalidation it causes elsewhere. The local bus returns nothing.
   */
  publish(event: CallEvent): void | Promise<void>;
  /** Returns the unsubscribe function. */
  subscribe(listener: EventListener): () => void;
  /**
   * Sends an internal notice to every node, this one included: resolves once the local listeners finished and the
   * other nodes' transport accepted it. Listener failures are reported, never thrown.
   */
  notify(notice: ClusterNotice): Promise<void>;
  onNotice(listener: NoticeListener): () => void;
  /**
   * `listener` runs whenever this node may have missed events or notices from other nodes (its link to them broke
   * and came back): whoever caches what those messages would have invalidated drops it. Never for the local bus.
   */
  onGap(listener: () => void): () => void;
  /** False while the link to the other nodes is down (readiness). Always true for the local bus. */
  connected(): boolean;
  close(): Promise<void>;
}
