import type { CallEvent } from '@switchboard/protocol';
import type { ClusterNotice, EventBus, EventListener, NoticeListener } from './event-bus.js';

/** Told about a listener that threw; the bus itself carries on. */
export type ListenerFailure = (err: unknown, event: CallEvent | ClusterNotice) => void;

/** In-process delivery: the single-node default and the base the Redis bus delivers through. */
export class LocalEventBus implements EventBus {
  private readonly listeners = new Set<EventListener>();
  private readonly noticeListeners = new Set<NoticeListener>();

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
        this.report(err, event);
      }
    }
  }

  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Runs the notice listeners one after another (each may do I/O, e.g. re-check watches), isolated like events. */
  async notify(notice: ClusterNotice): Promise<void> {
    for (const listener of [...this.noticeListeners]) {
      try {
        await listener(notice);
      } catch (err) {
        this.report(err, notice);
      }
    }
  }

  onNotice(listener: NoticeListener): () => void {
    this.noticeListeners.add(listener);
    return () => this.noticeListeners.delete(listener);
  }

  onGap(): () => void {
    return () => {}; // one process: nothing can be missed
  }

  connected(): boolean {
    return true;
  }

  async close(): Promise<void> {
    this.listeners.clear();
    this.noticeListeners.clear();
  }

  private report(err: unknown, message: CallEvent | ClusterNotice): void {
    try {
      this.onListenerFailure(err, message);
    } catch {
      // A failing failure report must not break the isolation either.
    }
  }
}
