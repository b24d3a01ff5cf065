/**
 * Typed event listeners for the client side. Event names are the wire `type` strings (protocol `EventType`), plus
 * `connection.ok` (each (re)connect), `connection.changed` (online / offline), `connection.recovered` (after a
 * reconnect, once every watched call is watched again) and `*` (every call event).
 */
import type { CallEvent, ConnectionOkEvent } from '@switchboard/protocol';

/** Emitted locally when the realtime connection goes down or comes back. */
export interface ConnectionChangedEvent {
  type: 'connection.changed';
  online: boolean;
}

/** Emitted locally after a reconnect once the calls watched before are watched again. */
export interface ConnectionRecoveredEvent {
  type: 'connection.recovered';
}

export interface ClientEventMap {
  'connection.ok': ConnectionOkEvent;
  'connection.changed': ConnectionChangedEvent;
  'connection.recovered': ConnectionRecoveredEvent;
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
