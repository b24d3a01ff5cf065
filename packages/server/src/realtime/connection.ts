/**
 * One realtime connection: the typed wrapper around a `ws` socket (nothing is stored on the socket itself). It
 * owns the connection's identity once authenticated, what it watches, when it was last heard from, and the bound
 * on what may queue up for it.
 */
import { CloseCode } from '@switchboard/protocol';
import type { WebSocket } from 'ws';
import type { Actor } from '../domain/actor.js';
import { ReplayMerge } from './replay-merge.js';

export type ConnectionState = 'authenticating' | 'open' | 'closed';

/** The authenticated side of a connection: whose it is and, when the token was scoped, which calls it may see. */
export interface ConnectionUser {
  readonly userId: string;
  readonly actor: Extract<Actor, { kind: 'user' }>;
}

export class Connection {
  state: ConnectionState = 'authenticating';
  user: ConnectionUser | undefined;
  /** Calls this connection watches (by cid). */
  readonly watching = new Set<string>();
  /** Epoch ms of the last frame received (any message or pong). */
  lastHeardAt: number;
  /** Set once a participant joined over this connection (or took over one): closing it starts presence grace. */
  carriesParticipants = false;
  /** While a resume replays missed events, and a while after: joins the replay to live events (replay-merge.ts). */
  private merge: ReplayMerge | undefined;
  /** Resolves when the socket has closed, whoever closed it. */
  readonly closed: Promise<void>;

  constructor(
    readonly id: string,
    private readonly socket: WebSocket,
    /** Past this many bytes waiting to be written, the connection is closed (a slow reader must not grow memory). */
    private readonly maxBufferedBytes: number,
    now: number,
    /** Called once when the connection stops being usable: closed by us, or by the peer. */
    private readonly onRetire: (connection: Connection) => void,
  ) {
    this.lastHeardAt = now;
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.once('close', () => this.retire());
  }

  get userId(): string | undefined {
    return this.user?.userId;
  }

  /** Sends one JSON message. */
  sendJson(message: object): boolean {
    return this.sendText(Buffer.from(JSON.stringify(message)));
  }

  /**
   * Sends an already-encoded text frame (fan-out encodes an event once for all its recipients). When more than the
   * bound is already waiting to be written, nothing is sent and the connection is closed with `SendQueueFull`: the
   * client reconnects and re-reads state. So a connection holds at most the bound plus one message. Returns
   * whether the message was queued.
   */
  sendText(data: Buffer): boolean {
    if (this.state === 'closed') return false;
    if (this.socket.bufferedAmount > this.maxBufferedBytes) {
      this.close(CloseCode.SendQueueFull, 'send queue full');
      return false;
    }
    this.socket.send(data, { binary: false });
    return true;
  }

  /** Sends one live call event (already encoded): held while a resume replays, dropped when the replay sent it. */
  deliver(eventId: string | undefined, data: Buffer): boolean {
    if (!this.merge) return this.sendText(data);
    switch (this.merge.live(eventId, data)) {
      case 'send':
        return this.sendText(data);
      case 'held':
        return true;
      case 'duplicate':
        return false;
      case 'overflow':
        // Too much arrived during the replay: the client reconnects and resumes again from what it got.
        this.close(CloseCode.SendQueueFull, 'send queue full');
        return false;
    }
  }

  /** From now on live events are held until {@link endReplay} (call before the replay reads the outbox). */
  beginReplay(): void {
    this.merge = new ReplayMerge(this.maxBufferedBytes);
  }

  /**
   * Sends one replayed event unless this connection already sent it. A replay may be larger than the send bound,
   * so past half of it this waits until the socket has written the event out (the reader sets the pace).
   */
  async replay(eventId: string | undefined, data: Buffer): Promise<boolean> {
    if (this.merge && !this.merge.replay(eventId)) return false;
    if (this.state === 'closed') return false;
    if (this.socket.bufferedAmount <= this.maxBufferedBytes / 2) return this.sendText(data);
    await new Promise<void>((resolve) => this.socket.send(data, { binary: false }, () => resolve()));
    return true;
  }

  /**
   * Flushes the live events held during the replay (minus those it sent). Replayed ids are still matched against
   * late live copies until {@link forgetReplay}.
   */
  endReplay(): void {
    if (!this.merge) return;
    for (const data of this.merge.finish()) this.sendText(data);
  }

  forgetReplay(): void {
    this.merge = undefined;
  }

  /** Starts the close handshake; the connection is retired at once (nothing more is sent to it). */
  close(code: number, reason: string): void {
    if (this.state === 'closed') return;
    this.retire();
    this.socket.close(code, reason);
  }

  /** Drops the socket without a close handshake (shutdown of peers that do not answer). */
  terminate(): void {
    this.retire();
    this.socket.terminate();
  }

  private retire(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.onRetire(this);
  }
}
