/**
 * A small typed event emitter: `on` returns the unsubscribe function, and a throwing listener does not stop the
 * others (its error goes to `reportError`, the browser's "uncaught error" channel).
 */
export class Emitter<Events extends object> {
  readonly #byName = new Map<keyof Events, Set<(event: never) => void>>();

  on<K extends keyof Events>(name: K, listener: (event: Events[K]) => void): () => void {
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

  emit<K extends keyof Events>(name: K, event: Events[K]): void {
    for (const listener of [...(this.#byName.get(name) ?? [])]) {
      try {
        (listener as (event: Events[K]) => void)(event);
      } catch (err) {
        const report = (globalThis as { reportError?: (error: unknown) => void }).reportError;
        if (report) report(err);
        else console.error('Switchboard: an event listener threw', err);
      }
    }
  }
}
