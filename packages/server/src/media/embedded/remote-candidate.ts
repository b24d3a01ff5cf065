/**
 * Hands a trickled candidate (`ice` message) to werift once the connection's gate admits it. The candidate is read
 * by werift's own parser (`IceCandidate.fromJSON`, the one `addIceCandidate` uses on the same text), so the address
 * checked is the address probed.
 */
import { IceCandidate, type RTCIceCandidateInit, type RTCPeerConnection } from 'werift';
import type { CandidateGate } from './candidate-gate.js';

/** Returns false when the candidate was dropped for being over the connection's cap; refused addresses are dropped
 * silently (a browser lists its private and loopback addresses as a matter of course). */
export async function addRemoteCandidate(
  pc: RTCPeerConnection,
  gate: CandidateGate,
  init: RTCIceCandidateInit | null,
): Promise<boolean> {
  // End of candidates is not passed on: werift would fail a connection whose candidates were all refused, where the
  // client's own checks would still have connected it (see filterCandidates).
  if (init === null || !init.candidate) return true;
  const candidate = IceCandidate.fromJSON(init);
  if (!candidate) return true; // werift cannot read it either: it would ignore it
  const verdict = gate.admit(candidate);
  if (verdict === 'over_limit') return false;
  // A repeat is dropped: werift would pair it again, one more probe target per copy.
  if (verdict === 'accepted') await pc.addIceCandidate(init);
  return true;
}
