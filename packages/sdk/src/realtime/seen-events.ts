/**
 * What the client needs to resume its realtime connection (docs/realtime.md "Resuming"): the id of the last event
 * it received, and the ids of recent events, so that an event the server sends again after a resume (it replays a
 * few seconds before the resume point, to catch events that committed late) reaches the app once.
 */

/** Ids remembered for deduplication: far more than a resume's look-back can repeat. */
export const SEEN_EVENT_IDS = 10_000;

export class SeenEvents {
  readonly #ids = new Set<string>();
  #last: string | undefined;

  constructor(private readonly capacity = SEEN_EVENT_IDS) {}

  /** The id to resume from; undefined before any event (or `connection.ok` anchor) and after a resync. */
  get lastEventId(): string | undefined {
    return this.#last;
  }

  /** Records an event; answers false when it was already seen (drop it). Events without an id always pass. */
  accept(id: string | undefined): boolean {
    if (id === undefined) return true;
    if (this.#ids.has(id)) return false;
    this.#ids.add(id);
    if (this.#ids.size > this.capacity) {
      const oldest = this.#ids.values().next();
      if (!oldest.done) this.#ids.delete(oldest.value);
    }
    this.#last = id;
    return true;
  }

  /** A fresh connection's anchor (`connection.ok.last_event_id`): used only when no event was received yet. */
  anchor(id: string | undefined): void {
    if (this.#last === undefined && id !== undefined) this.#last = id;
  }

  /** The server could not replay: resume from the next event received (the app re-reads state meanwhile). */
  resynced(okAnchor: string | undefined): void {
    this.#last = okAnchor;
  }
}
