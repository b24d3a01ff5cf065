/**
 * `@switchboard/client` — join a Switchboard call with media from a web page: connect with a user token, `join`,
 * publish camera / microphone / screen, receive the others' tracks as events, mute, pin, leave. The node also serves
 * it bundled as one ES module at `/client/switchboard-client.js`, so a page can import it without a build step.
 *
 * Browser-only (WebRTC), and kept small: it imports the SDK's client entry and the protocol's schema-free entries
 * only (no token signing, no schemas).
 */

export type { LeaveReason, PinInfo } from '@switchboard/protocol/sfu';
export { SfuErrorCode, TrackSource } from '@switchboard/protocol/sfu';
export { ErrorCode, EventType, SwitchboardError } from '@switchboard/sdk/client';
export { MediaCall, type MediaCallState } from './media-call.js';
export { MediaError, type MediaErrorCode } from './media-error.js';
export { SwitchboardMediaClient, type SwitchboardMediaClientOptions } from './switchboard-media-client.js';
export type { MediaCallEvents, RemoteParticipant } from './types.js';
