import type { CallEvent } from '@switchboard/protocol';

export type EventListener = (event: CallEvent) => void;

/**
 * Fan-out of committed events to whoever delivers them in real time (the WebSocket gateway of every node).
 *
 * Contract: `publish` is called only after the event's transaction committed; every subscriber on every node
 * receives each published event once, in publish order per publishing node. Delivery is best-effort (a node that
 * is down misses events); durable delivery is the outbox's job.
 */
export interface EventBus {
  publish(event: CallEvent): void;
  /** Returns the unsubscribe function. */
  subscribe(listener: EventListener): () => void;
  close(): Promise<void>;
}
