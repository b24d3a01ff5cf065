/**
 * The node's bound on upgraded sockets (WebSockets of any path, before and after their handshake). A socket holds
 * its place from the upgrade request until it closes, so what counts is what the node really holds open.
 */
import type { Duplex } from 'node:stream';

export class SocketCap {
  private readonly open = new Set<Duplex>();

  /** `max` 0: no bound. */
  constructor(private readonly max: number) {}

  /** Takes a place for `socket` until it closes; false (and nothing taken) when the node holds `max` already. */
  admit(socket: Duplex): boolean {
    if (this.max > 0 && this.open.size >= this.max) return false;
    this.open.add(socket);
    socket.once('close', () => this.open.delete(socket));
    return true;
  }

  get size(): number {
    return this.open.size;
  }
}
