/**
 * Hand-written checks of client → server SFU messages: the SFU trusts nothing it did not check here, and a schema
 * library would weigh more than the whole browser client. Every string and array has a bound (docs/sfu-protocol.md
 * "Limits") so one message cannot make the server hold or parse much.
 */
import {
  type IceCandidate,
  type PublishedTrackDeclaration,
  SFU_PROTOCOL_VERSION,
  type SfuClientMessage,
  SfuErrorCode,
  TRACK_SOURCES,
  type TrackSource,
} from './messages.js';

export const SFU_LIMITS = {
  /** Largest WebSocket frame the SFU accepts (an SDP offer with a few m-lines is 3–8 KB). */
  maxMessageBytes: 64 * 1024,
  maxSdpChars: 60 * 1024,
  maxTokenChars: 4096,
  maxCandidateChars: 1024,
  /** Published tracks per participant: one per source. */
  maxPublishedTracks: TRACK_SOURCES.length,
  maxQualityEntries: 64,
  maxIdChars: 128,
} as const;

export type ParseResult =
  | { ok: true; message: SfuClientMessage }
  | { ok: false; code: SfuErrorCode; message: string; requestType?: string };

type Obj = Record<string, unknown>;

class Invalid extends Error {}

function fail(message: string): never {
  throw new Invalid(message);
}
function str(o: Obj, key: string, max: number): string {
  const v = o[key];
  if (typeof v !== 'string' || v.length === 0 || v.length > max)
    fail(`${key} must be a non-empty string of at most ${max} characters`);
  return v;
}
function bool(o: Obj, key: string): boolean {
  if (typeof o[key] !== 'boolean') fail(`${key} must be a boolean`);
  return o[key] as boolean;
}
function obj(v: unknown, what: string): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(`${what} must be an object`);
  return v as Obj;
}
function arr(o: Obj, key: string, max: number): unknown[] {
  const v = o[key];
  if (!Array.isArray(v) || v.length > max) fail(`${key} must be an array of at most ${max} items`);
  return v;
}
function source(o: Obj): TrackSource {
  const v = o.source;
  if (!TRACK_SOURCES.includes(v as TrackSource)) fail(`source must be one of ${TRACK_SOURCES.join(', ')}`);
  return v as TrackSource;
}
function pc(o: Obj, allowed: readonly string[]): 'publisher' | 'subscriber' {
  if (!allowed.includes(o.pc as string)) fail(`pc must be ${allowed.join(' or ')}`);
  return o.pc as 'publisher' | 'subscriber';
}
function dimension(o: Obj, key: string): number | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 16_384) fail(`${key} must be 0..16384`);
  return v;
}

function candidate(v: unknown): IceCandidate | null {
  if (v === null) return null;
  const c = obj(v, 'candidate');
  const out: IceCandidate = { candidate: typeof c.candidate === 'string' ? c.candidate : fail('candidate.candidate') };
  if (out.candidate.length > SFU_LIMITS.maxCandidateChars) fail('candidate.candidate is too long');
  if (c.sdpMid !== undefined && c.sdpMid !== null) out.sdpMid = str(c, 'sdpMid', SFU_LIMITS.maxIdChars);
  if (c.sdpMLineIndex !== undefined && c.sdpMLineIndex !== null) {
    const i = c.sdpMLineIndex;
    if (typeof i !== 'number' || !Number.isInteger(i) || i < 0 || i > 1024) fail('sdpMLineIndex must be 0..1024');
    out.sdpMLineIndex = i;
  }
  if (typeof c.usernameFragment === 'string' && c.usernameFragment.length <= 256)
    out.usernameFragment = c.usernameFragment;
  return out;
}

function tracks(o: Obj): PublishedTrackDeclaration[] {
  const seenMids = new Set<string>();
  const seenSources = new Set<string>();
  return arr(o, 'tracks', SFU_LIMITS.maxPublishedTracks).map((t) => {
    const d = obj(t, 'tracks[]');
    const decl: PublishedTrackDeclaration = { mid: str(d, 'mid', 32), source: source(d) };
    if (d.muted !== undefined) decl.muted = bool(d, 'muted');
    if (seenMids.has(decl.mid)) fail(`mid ${decl.mid} is listed twice`);
    if (seenSources.has(decl.source)) fail(`source ${decl.source} is listed twice (one track per source)`);
    seenMids.add(decl.mid);
    seenSources.add(decl.source);
    return decl;
  });
}

function build(o: Obj): SfuClientMessage {
  const v = SFU_PROTOCOL_VERSION;
  switch (o.type) {
    case 'join':
      return { v, type: 'join', token: str(o, 'token', SFU_LIMITS.maxTokenChars) };
    case 'offer':
      return {
        v,
        type: 'offer',
        pc: pc(o, ['publisher']) as 'publisher',
        sdp: str(o, 'sdp', SFU_LIMITS.maxSdpChars),
        tracks: tracks(o),
      };
    case 'answer':
      return {
        v,
        type: 'answer',
        pc: pc(o, ['subscriber']) as 'subscriber',
        sdp: str(o, 'sdp', SFU_LIMITS.maxSdpChars),
      };
    case 'ice':
      if (!('candidate' in o)) fail('candidate is required (null for end of candidates)');
      return { v, type: 'ice', pc: pc(o, ['publisher', 'subscriber']), candidate: candidate(o.candidate) };
    case 'mute':
      return { v, type: 'mute', source: source(o), muted: bool(o, 'muted') };
    case 'quality':
      return {
        v,
        type: 'quality',
        tracks: arr(o, 'tracks', SFU_LIMITS.maxQualityEntries).map((t) => {
          const q = obj(t, 'tracks[]');
          const entry: { track_id: string; width?: number; height?: number; paused?: boolean } = {
            track_id: str(q, 'track_id', SFU_LIMITS.maxIdChars),
          };
          const width = dimension(q, 'width');
          const height = dimension(q, 'height');
          if (width !== undefined) entry.width = width;
          if (height !== undefined) entry.height = height;
          if (q.paused !== undefined) entry.paused = bool(q, 'paused');
          return entry;
        }),
      };
    case 'leave':
      return { v, type: 'leave' };
    default:
      return fail(`unknown message type ${JSON.stringify(String(o.type).slice(0, 32))}`);
  }
}

/** Parses and checks one text frame from a client. Unknown fields are ignored; the result holds only known ones. */
export function parseClientMessage(text: string): ParseResult {
  if (text.length > SFU_LIMITS.maxMessageBytes)
    return { ok: false, code: SfuErrorCode.InvalidMessage, message: 'message too large' };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, code: SfuErrorCode.InvalidMessage, message: 'message is not JSON' };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    return { ok: false, code: SfuErrorCode.InvalidMessage, message: 'message must be a JSON object' };
  const o = raw as Obj;
  const requestType = typeof o.type === 'string' ? o.type.slice(0, 32) : undefined;
  const withType = requestType === undefined ? {} : { requestType };
  if (o.v !== SFU_PROTOCOL_VERSION)
    return {
      ok: false,
      code: SfuErrorCode.UnsupportedVersion,
      message: `v must be ${SFU_PROTOCOL_VERSION}`,
      ...withType,
    };
  try {
    return { ok: true, message: build(o) };
  } catch (err) {
    if (!(err instanceof Invalid)) throw err;
    return { ok: false, code: SfuErrorCode.InvalidMessage, message: err.message, ...withType };
  }
}
