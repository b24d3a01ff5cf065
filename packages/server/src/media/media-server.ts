/**
 * media/: the SFU role. It owns the media servers (today the embedded werift SFU) and their signaling WebSocket
 * (docs/sfu-protocol.md). It may import services/ (to ask the coordinator), bus/ (to follow call events), domain/
 * and the protocol; nothing outside app/compose.ts imports it, and services/ knows it only as a MediaPort.
 *
 * The SFU never decides permissions or presence: who may join, publish or stay is the coordinator's answer
 * (services/media-admission.ts), and the SFU reports joins and leaves back so the session participants stay the one
 * record of who is in a call. Decisions the coordinator takes later (kick, block, mute, end, pins) reach the SFU as
 * call events on the bus, which is also how they reach an SFU in another process.
 *
 * `MediaServer` is the seam for another engine (e.g. an adapter driving Janus): JoinCall only needs its endpoint.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { MediaPort } from '../services/media-port.js';

export interface MediaStats {
  rooms: number;
  participants: number;
  publishedTracks: number;
  /** Forwarded-to subscriptions (one per subscriber and track). */
  forwardedStreams: number;
  packetsIn: number;
  packetsOut: number;
}

export interface MediaServer extends MediaPort {
  readonly kind: string;
  /** Starts following call events. */
  start(): void;
  /** Takes a WebSocket upgrade on the SFU's signaling path; returns false for any other path (left to others). */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  stats(): MediaStats;
  /** Closes every media connection (`shutdown`), reports their leaves, and stops. */
  close(): Promise<void>;
}
