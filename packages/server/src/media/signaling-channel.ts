/** The SFU's side of one client's signaling socket, as the media engine sees it (no WebSocket types leak in). */
import type { LeaveReason, SfuCloseCode, SfuServerMessage } from '@switchboard/protocol/sfu';

export interface SignalingChannel {
  /** Queues a message; dropped silently once the channel is closed. */
  send(message: SfuServerMessage): void;
  /** Sends `closing` with `reason`, then closes the socket with `code`. Idempotent. */
  close(code: SfuCloseCode, reason: LeaveReason): void;
}
