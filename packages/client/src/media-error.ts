/**
 * The error a media operation rejects with: the SFU's `error` code (`publish_not_allowed`, `call_ended`, …; see
 * `SfuErrorCode`), or a client-side one (`connection_closed`, `timeout`).
 */
import type { SfuErrorCode } from '@switchboard/protocol/sfu';

export type MediaErrorCode = SfuErrorCode | 'connection_closed' | 'timeout';

export class MediaError extends Error {
  readonly code: MediaErrorCode;
  /** The WebSocket close code, when the error is the connection closing. */
  readonly closeCode: number | undefined;

  constructor(code: MediaErrorCode, message: string, closeCode?: number) {
    super(message);
    this.name = 'MediaError';
    this.code = code;
    this.closeCode = closeCode;
  }
}
