/**
 * A client's SDP, read once, by werift's own parser: every decision the SFU takes about an offer or answer (how many
 * m-sections, which kind each one is, which candidates it lists) is taken on the very object werift then negotiates,
 * never on a second reading of the same text (two parsers disagreeing on line ends let a video section pass as
 * audio). Text whose line ends could be read two ways is refused before that.
 */
import { SfuErrorCode } from '@switchboard/protocol/sfu';
import { type IceCandidate, type MediaDescription, SessionDescription } from 'werift';
import { MediaRefused } from '../../services/media-admission.js';

export interface RemoteDescriptionLimits {
  /** m-sections one description may have (each costs werift a transceiver and its negotiation). */
  maxMediaSections: number;
}

/**
 * Parses a client's offer or answer. Refuses mixed line ends, anything werift cannot parse, more m-sections than
 * the limit, a kind other than audio or video (no data channels), and a mid used twice.
 */
export function parseRemoteDescription(
  sdp: string,
  type: 'offer' | 'answer',
  limits: RemoteDescriptionLimits,
): SessionDescription {
  // CRLF everywhere, or LF everywhere: a bare CR or LF among CRLF lines is where two readers split differently.
  if (sdp.includes('\r\n') ? /\r(?!\n)|(?<!\r)\n/.test(sdp) : sdp.includes('\r')) {
    throw new MediaRefused(SfuErrorCode.SdpInvalid, `${type}: mixed line ends (use CRLF throughout)`);
  }
  // Counted before parsing: the parse itself is work proportional to the sections.
  const sections = sdp.startsWith('m=') ? 1 : 0;
  const count = sections + (sdp.match(/\nm=/g)?.length ?? 0);
  if (count > limits.maxMediaSections) {
    throw new MediaRefused(
      SfuErrorCode.LimitExceeded,
      `${type}: ${count} m-sections, at most ${limits.maxMediaSections} are accepted`,
    );
  }
  let parsed: SessionDescription;
  try {
    parsed = SessionDescription.parse(sdp);
  } catch (err) {
    throw new MediaRefused(SfuErrorCode.SdpInvalid, `${type} could not be parsed: ${(err as Error).message}`);
  }
  parsed.type = type;
  const mids = new Set<string>();
  for (const media of parsed.media) {
    if (media.kind !== 'audio' && media.kind !== 'video') {
      throw new MediaRefused(SfuErrorCode.SdpInvalid, `${type}: only audio and video m-sections, not ${media.kind}`);
    }
    const mid = media.rtp.muxId;
    if (mid !== undefined) {
      if (mids.has(mid)) throw new MediaRefused(SfuErrorCode.SdpInvalid, `${type}: mid ${mid} is used twice`);
      mids.add(mid);
    }
  }
  return parsed;
}

/** A section that sends media to the SFU, as werift decides it (a rejected port or no direction sends nothing). */
export function isSending(media: MediaDescription): boolean {
  return media.port !== 0 && (media.direction === 'sendonly' || media.direction === 'sendrecv');
}

/**
 * Removes the candidates `keep` refuses from every section, and the client's end-of-candidates: with its candidates
 * refused, werift must keep waiting for the client's own checks (peer-reflexive candidates) instead of failing the
 * connection on an empty check list. Returns how many candidates stayed.
 */
export function filterCandidates(description: SessionDescription, keep: (c: IceCandidate) => boolean): number {
  let kept = 0;
  for (const media of description.media) {
    media.iceCandidates = media.iceCandidates.filter(keep);
    media.iceCandidatesComplete = false;
    kept += media.iceCandidates.length;
  }
  return kept;
}
