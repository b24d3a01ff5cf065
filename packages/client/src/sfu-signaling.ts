/**
 * The signaling WebSocket to the SFU (docs/sfu-protocol.md): opens it, sends `join` with the participant token,
 * resolves with the SFU's `joined`, then hands every later message to `onMessage`. Requests that expect an answer
 * (the publisher offer) wait for it through `expect`, which a matching `error` (by `request_type`) or the socket
 * closing rejects, so no promise is left hanging.
 */
import {
  type JoinedMessage,
  SFU_PROTOCOL_VERSION,
  type SfuClientMessage,
  type SfuServerMessage,
} from '@switchboard/protocol/sfu';
import { MediaError } from './media-error.js';

/** How long the SFU may take to answer `join` or an offer before the client gives up. */
const ANSWER_TIMEOUT_MS = 15_000;

type Distribute<T> = T extends unknown ? Omit<T, 'v'> : never;
export type OutgoingMessage = Distribute<SfuClientMessage>;

interface Waiter {
  type: SfuServerMessage['type'];
  requestType: string;
  resolve: (message: SfuServerMessage) => void;
  reject: (error: MediaError) => void;
  timer: ReturnType<typeof setTimeout>;
}

export interface SignalingHandlers {
  onMessage(message: SfuServerMessage): void;
  /** The socket closed (after `closing`, if the server sent one). Called once. */
  onClose(code: number, reason: string): void;
}

export class SfuSignaling {
  readonly #socket: WebSocket;
  readonly #token: string;
  readonly #waiters = new Set<Waiter>();
  #handlers: SignalingHandlers | undefined;
  #closingReason = '';
  #closed = false;

  private constructor(socket: WebSocket, token: string) {
    this.#socket = socket;
    this.#token = token;
  }

  /** Opens the socket and joins; rejects with the SFU's error (e.g. `call_ended`) or `connection_closed`. */
  static async join(url: string, token: string, handlers: SignalingHandlers): Promise<[SfuSignaling, JoinedMessage]> {
    const signaling = new SfuSignaling(new WebSocket(url), token);
    const joined = signaling.#listen(handlers);
    return [signaling, await joined];
  }

  #listen(handlers: SignalingHandlers): Promise<JoinedMessage> {
    const socket = this.#socket;
    const joined = new Promise<JoinedMessage>((resolve, reject) => {
      const waiter: Waiter = {
        type: 'joined',
        requestType: 'join',
        resolve: (message) => resolve(message as JoinedMessage),
        reject,
        timer: setTimeout(
          () => this.#settle(waiter, new MediaError('timeout', 'the SFU did not answer join')),
          ANSWER_TIMEOUT_MS,
        ),
      };
      this.#waiters.add(waiter);
    });
    socket.onopen = () => this.#send({ type: 'join', token: this.#token });
    socket.onmessage = (event) => {
      let message: SfuServerMessage;
      try {
        message = JSON.parse(String(event.data)) as SfuServerMessage;
      } catch {
        return; // the SFU only sends JSON; a broken frame is dropped rather than trusted
      }
      this.#receive(message);
    };
    socket.onclose = (event) => this.#onClose(event.code, event.reason);
    this.#handlers = handlers;
    return joined;
  }

  /** Sends one message (the protocol version is added here). Dropped once the socket is closing. */
  send(message: OutgoingMessage): void {
    this.#send(message);
  }

  /**
   * Sends `message` and waits for the server message of type `answerType`; rejects with the `error` the SFU answers
   * to a request of this type instead, or when the socket closes.
   */
  request<T extends SfuServerMessage>(message: OutgoingMessage, answerType: T['type']): Promise<T> {
    const answer = new Promise<T>((resolve, reject) => {
      const waiter: Waiter = {
        type: answerType,
        requestType: message.type,
        resolve: (m) => resolve(m as T),
        reject,
        timer: setTimeout(
          () => this.#settle(waiter, new MediaError('timeout', `no ${answerType} to ${message.type}`)),
          ANSWER_TIMEOUT_MS,
        ),
      };
      this.#waiters.add(waiter);
    });
    this.#send(message);
    return answer;
  }

  /** Closes the socket (no `leave`: use `send({ type: 'leave' })` first to leave on purpose). */
  close(): void {
    if (this.#socket.readyState === WebSocket.CONNECTING || this.#socket.readyState === WebSocket.OPEN) {
      this.#socket.close(1000);
    }
  }

  get closed(): boolean {
    return this.#closed;
  }

  #send(message: OutgoingMessage): void {
    if (this.#socket.readyState !== WebSocket.OPEN) return;
    this.#socket.send(JSON.stringify({ v: SFU_PROTOCOL_VERSION, ...message }));
  }

  #receive(message: SfuServerMessage): void {
    if (message.type === 'closing') this.#closingReason = message.reason;
    if (message.type === 'error') {
      const waiter = [...this.#waiters].find(
        (w) => w.requestType === message.request_type || (w.requestType === 'join' && message.fatal),
      );
      if (waiter) {
        this.#settle(waiter, new MediaError(message.code, message.message));
        return;
      }
    } else {
      const waiter = [...this.#waiters].find((w) => w.type === message.type);
      if (waiter) {
        clearTimeout(waiter.timer);
        this.#waiters.delete(waiter);
        waiter.resolve(message);
        if (message.type === 'joined') return; // the join's answer belongs to `join()`, not to the handlers
      }
    }
    this.#handlers?.onMessage(message);
  }

  #settle(waiter: Waiter, error: MediaError): void {
    clearTimeout(waiter.timer);
    this.#waiters.delete(waiter);
    waiter.reject(error);
  }

  #onClose(code: number, reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    const why = this.#closingReason || reason || `closed with ${code}`;
    for (const waiter of [...this.#waiters]) {
      this.#settle(waiter, new MediaError('connection_closed', `the SFU connection closed (${why})`, code));
    }
    this.#handlers?.onClose(code, this.#closingReason || reason);
  }
}
