import type { CallEvent } from '@switchboard/protocol';
import type { EventBus, EventListener } from './event-bus.js';

/** Told about a listener that threw; the bus itself carries on. */
export type ListenerFailure = (err: unknown, event: CallEvent) => void;

/** In-process delivery: the single-node default and the base the Redis bus delivers through. */
export class LocalEventBus implements EventBus {
  private readonly listeners = new Set<EventListener>();

  constructor(private readonly onListenerFailure: ListenerFailure = () => {}) {}

  /**
   * Publishing happens after a commit: a listener that throws must neither turn the committed write into an error
   * for its caller nor keep the listeners after it from seeing the event, so each one is isolated.
   */
  publish(event: CallEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (err) {
        try {
          this.onListenerFailure(err, event);
        } catch {
          // A failing failure report must not break the isolation either.
        }
      }
    }
  }

  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.listeners.clear();
  }
}
