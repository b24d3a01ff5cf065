/**
 * Remote ICE candidates that arrive before the remote description is set cannot be added yet (the browser throws):
 * they wait here and are added once it is. Bounded: a peer sends a handful per negotiation, and the SFU's own SDP
 * already carries its candidates.
 */
import type { IceCandidate } from '@switchboard/protocol/sfu';

const MAX_PENDING = 64;

export class IceQueue {
  readonly #pc: RTCPeerConnection;
  #pending: IceCandidate[] = [];

  constructor(pc: RTCPeerConnection) {
    this.#pc = pc;
  }

  add(candidate: IceCandidate | null): void {
    if (candidate === null) return; // end of candidates: nothing to do for a browser
    if (!this.#pc.remoteDescription) {
      if (this.#pending.length < MAX_PENDING) this.#pending.push(candidate);
      return;
    }
    this.#pc.addIceCandidate(candidate).catch(() => {
      // A candidate for an m-line the last negotiation removed: harmless, the connection uses the others.
    });
  }

  /** Call after each `setRemoteDescription`. */
  flush(): void {
    const pending = this.#pending;
    this.#pending = [];
    for (const candidate of pending) this.add(candidate);
  }
}

/** A local candidate as the protocol sends it (`null`: gathering finished). */
export function toWireCandidate(candidate: RTCIceCandidate | null): IceCandidate | null {
  if (!candidate) return null;
  const { candidate: line, sdpMid, sdpMLineIndex, usernameFragment } = candidate.toJSON();
  return { candidate: line ?? '', sdpMid, sdpMLineIndex, usernameFragment };
}
