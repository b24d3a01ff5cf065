/**
 * Joins a resuming connection's replay to its live events with no gap and no duplicate (pure; no I/O).
 *
 * The connection is registered (so it receives live events) before the replay reads the outbox. Live events that
 * arrive meanwhile are held here; once the replay has been written they are flushed in arrival order, except those
 * the replay already sent. An event can still arrive live after the flush although the replay read it (its bus
 * message from another node was slower than our read): the replayed ids are kept for that, each dropped at its
 * first live match, and all forgotten by {@link forgetReplayed} (the gateway calls it once the bus has surely
 * caught up).
 */
export interface HeldEvent {
  id: string | undefined;
  data: Buffer;
}

export type LiveVerdict = 'send' | 'held' | 'duplicate' | 'overflow';

export class ReplayMerge {
  private held: HeldEvent[] | undefined = [];
  private heldBytes = 0;
  private readonly replayed = new Set<string>();

  /** `maxHeldBytes`: live events held during the replay may not exceed this (the connection is closed instead). */
  constructor(private readonly maxHeldBytes: number) {}

  get replaying(): boolean {
    return this.held !== undefined;
  }

  /** A live event for the connection: send it now, or it was held, or it is one the replay already sent. */
  live(id: string | undefined, data: Buffer): LiveVerdict {
    if (id !== undefined && this.replayed.delete(id)) return 'duplicate';
    if (!this.held) return 'send';
    if (this.heldBytes + data.length > this.maxHeldBytes) return 'overflow';
    this.held.push({ id, data });
    this.heldBytes += data.length;
    return 'held';
  }

  /**
   * The replay is about to send this event; answers false when it already did. A held live copy is dropped at the
   * flush instead: the replay's place keeps the call's order (replayed events committed before any held one that
   * the replay did not read).
   */
  replay(id: string | undefined): boolean {
    if (id === undefined) return true;
    if (this.replayed.has(id)) return false;
    this.replayed.add(id);
    return true;
  }

  /** The replay is done: what was held, minus what the replay sent, in arrival order. Live events go out directly. */
  finish(): Buffer[] {
    const held = this.held ?? [];
    this.held = undefined;
    this.heldBytes = 0;
    const out: Buffer[] = [];
    for (const event of held) {
      if (event.id !== undefined && this.replayed.delete(event.id)) continue;
      out.push(event.data);
    }
    return out;
  }

  /** Drops the memory of replayed ids (no late live copy can come any more). */
  forgetReplayed(): void {
    this.replayed.clear();
  }
}
