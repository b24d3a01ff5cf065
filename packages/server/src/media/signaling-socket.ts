/**
 * One client's signaling WebSocket (docs/sfu-protocol.md): the first message must be `join` within the join
 * timeout; messages that arrive while the join is being decided wait (bounded) and are handed over in order; every
 * later frame is checked by the protocol's validator before anything acts on it. Liveness is WebSocket ping/pong:
 * a socket that misses a pong for a whole interval is dropped, and dropping it ends the participant at once (the
 * prompt leave; ICE failure is only the backstop, ~27 s later).
 */
import {
  type LeaveReason,
  parseClientMessage,
  SFU_LIMITS,
  type SfuClientMessage,
  SfuCloseCode,
  type SfuErrorCode,
  type SfuServerMessage,
} from '@switchboard/protocol/sfu';
import type { WebSocket } from 'ws';
import type { SignalingChannel } from './signaling-channel.js';

/** What a joined socket hands its messages to. */
export interface SignalingSink {
  handle(message: SfuClientMessage): void;
  /** The socket closed (any reason): the participant ends. */
  socketClosed(): void;
}

export interface SignalingSocketOptions {
  joinTimeoutMs: number;
  pingIntervalMs: number;
  /** Bytes queued for a client that does not read; beyond it the socket is dropped (slow consumer). */
  maxBufferedBytes: number;
}

/** Decides a join: the sink to hand messages to, or undefined after refusing it (`refuse`). */
export type JoinHandler = (token: string, channel: SignalingSocket) => Promise<SignalingSink | undefined>;

const MAX_EARLY_MESSAGES = 64;

export class SignalingSocket implements SignalingChannel {
  private state: 'awaiting-join' | 'joining' | 'joined' | 'closed' = 'awaiting-join';
  private sink: SignalingSink | undefined;
  private readonly early: SfuClientMessage[] = [];
  private readonly joinTimer: NodeJS.Timeout;
  private readonly pingTimer: NodeJS.Timeout;
  private heard = true;

  constructor(
    private readonly ws: WebSocket,
    private readonly options: SignalingSocketOptions,
    private readonly onJoin: JoinHandler,
  ) {
    this.joinTimer = setTimeout(() => this.refuse('not_joined', 'no join message in time'), options.joinTimeoutMs);
    this.pingTimer = setInterval(() => this.checkAlive(), options.pingIntervalMs);
    this.pingTimer.unref();
    ws.on('pong', () => {
      this.heard = true;
    });
    ws.on('message', (data, isBinary) => {
      this.heard = true;
      this.receive(isBinary ? '' : data.toString());
    });
    ws.on('close', () => this.closed());
    ws.on('error', () => this.ws.terminate());
  }

  send(message: SfuServerMessage): void {
    if (this.state === 'closed' || this.ws.readyState !== this.ws.OPEN) return;
    if (this.ws.bufferedAmount > this.options.maxBufferedBytes) {
      this.ws.terminate();
      return;
    }
    this.ws.send(JSON.stringify(message));
  }

  close(code: SfuCloseCode, reason: LeaveReason): void {
    if (this.state === 'closed') return;
    this.send({ v: 1, type: 'closing', reason });
    this.ws.close(code, reason);
    this.closed();
  }

  /** Refuses the join (or a protocol violation) with a fatal error and closes the socket. */
  refuse(code: SfuErrorCode, message: string, requestType?: string): void {
    if (this.state === 'closed') return;
    this.send({
      v: 1,
      type: 'error',
      code,
      message,
      fatal: true,
      ...(requestType === undefined ? {} : { request_type: requestType }),
    });
    this.ws.close(SfuCloseCode.Refused, code);
    this.closed();
  }

  private receive(text: string): void {
    if (this.state === 'closed') return;
    const parsed = parseClientMessage(text);
    if (!parsed.ok) {
      if (this.state === 'joined') {
        this.send({
          v: 1,
          type: 'error',
          code: parsed.code,
          message: parsed.message,
          fatal: false,
          ...(parsed.requestType === undefined ? {} : { request_type: parsed.requestType }),
        });
      } else this.refuse(parsed.code, parsed.message, parsed.requestType);
      return;
    }
    const message = parsed.message;
    if (this.state === 'awaiting-join') {
      if (message.type !== 'join') {
        this.refuse('not_joined', 'the first message must be join', message.type);
        return;
      }
      clearTimeout(this.joinTimer);
      this.state = 'joining';
      this.onJoin(message.token, this).then(
        (sink) => this.joined(sink),
        () => this.refuse('internal', 'the SFU failed to decide this join'),
      );
    } else if (this.state === 'joining') {
      if (this.early.length >= MAX_EARLY_MESSAGES) this.refuse('rate_limited', 'too many messages before joined');
      else this.early.push(message);
    } else this.sink?.handle(message);
  }

  private joined(sink: SignalingSink | undefined): void {
    if (!sink) return;
    if (this.state === 'closed') {
      sink.socketClosed();
      return;
    }
    this.sink = sink;
    this.state = 'joined';
    for (const m of this.early.splice(0)) sink.handle(m);
  }

  private checkAlive(): void {
    if (!this.heard) {
      this.ws.terminate();
      return;
    }
    this.heard = false;
    if (this.ws.readyState === this.ws.OPEN) this.ws.ping();
  }

  private closed(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    clearTimeout(this.joinTimer);
    clearInterval(this.pingTimer);
    this.sink?.socketClosed();
  }
}

/** The most bytes a single signaling frame may have; `ws` refuses bigger ones before they are buffered whole. */
export const MAX_SIGNALING_FRAME_BYTES = SFU_LIMITS.maxMessageBytes;
