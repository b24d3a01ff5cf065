import type { CallEvent } from '@switchboard/protocol';
import type { EventBus, EventListener } from './event-bus.js';

/** In-process delivery: the single-node default and the base the Redis bus delivers through. */
export class LocalEventBus implements EventBus {
  private readonly listeners = new Set<EventListener>();

  publish(event: CallEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.listeners.clear();
  }
}
