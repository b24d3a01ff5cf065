/**
 * Typed event listeners for the client side. Event names are the wire `type` strings (protocol `EventType`), plus
 * `connection.ok` (each (re)connect), `connection.changed` (online / offline), `connection.recovered` (after a
 * reconnect, once every watched call is watched again), `connection.rewatch_failed` (re-watching one call after a
 * reconnect failed), `connection.resync` (after a reconnect, the server could not replay the events missed while
 * away: re-read the state you show) and `*` (every call event, each once).
 */
import type { CallEvent, ConnectionOkEvent, ConnectionResyncEvent } from '@switchboard/protocol/wire';

/** Emitted locally when the realtime connection goes down or comes back. */
export interface ConnectionChangedEvent {
  type: 'connection.changed';
  online: boolean;
}

/**
 * Emitted locally after a reconnect once every call watched before is watched again, so no event of theirs can be
 * missed from here on. Calls that no longer exist or are no longer readable are not waited for: they are reported
 * by `connection.rewatch_failed` with `will_retry: false` and forgotten.
 */
export interface ConnectionRecoveredEvent {
  type: 'connection.recovered';
}

/**
 * Emitted locally when re-watching a call after a reconnect failed: until it succeeds, that call's events are not
 * delivered. With `will_retry` the client tries again with backoff (and `connection.recovered` waits for it);
 * without, the call is gone or forbidden (`error.code` 16 or 17) and is no longer watched.
 */
export interface ConnectionRewatchFailedEvent {
  type: 'connection.rewatch_failed';
  call_cid: string;
  error: unknown;
  will_retry: boolean;
}

export interface ClientEventMap {
  'connection.ok': ConnectionOkEvent;
  'connection.changed': ConnectionChangedEvent;
  'connection.recovered': ConnectionRecoveredEvent;
  'connection.rewatch_failed': ConnectionRewatchFailedEvent;
  'connection.resync': ConnectionResyncEvent;
  '*': CallEvent;
}

/** Every name `on` accepts, and the event each one delivers. */
export type EventName = CallEvent['type'] | keyof ClientEventMap;
export type EventOf<T extends EventName> = T extends keyof ClientEventMap
  ? ClientEventMap[T]
  : Extract<CallEvent, { type: T }>;
export type Listener<T extends EventName> = (event: EventOf<T>) => void;

export class Listeners {
  readonly #byName = new Map<string, Set<(event: never) => void>>();

  /** Returns the unsubscribe function. */
  on<T extends EventName>(name: T, listener: Listener<T>): () => void {
    let set = this.#byName.get(name);
    if (!set) {
      set = new Set();
      this.#byName.set(name, set);
    }
    set.add(listener as (event: never) => void);
    return () => {
      set.delete(listener as (event: never) => void);
    };
  }

  /**
   * Calls the listeners of `name` (and `*` for call events). A throwing listener does not stop the others; its
   * error goes to `reportError` (browsers) or `console.error`.
   */
  emit(name: string, event: unknown, wildcard: boolean): void {
    const targets = [...(this.#byName.get(name) ?? []), ...(wildcard ? (this.#byName.get('*') ?? []) : [])];
    for (const listener of targets) {
      try {
        (listener as (event: unknown) => void)(event);
      } catch (err) {
        const report = (globalThis as { reportError?: (error: unknown) => void }).reportError;
        if (report) report(err);
        else console.error('Switchboard: an event listener threw', err);
      }
    }
  }
}
