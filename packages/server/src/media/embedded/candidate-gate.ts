/**
 * The remote candidates of one peer connection, from its SDP and from `ice` messages alike: each must name an
 * address the scope allows (candidate-policy.ts), and at most `max` distinct ones are handed to werift, which
 * probes each one for as long as the connection lives. A candidate listed again (renegotiations repeat them in
 * the SDP) is not counted again.
 */
import type { IceCandidate } from 'werift';
import { type CandidateScope, candidateAllowed } from './candidate-policy.js';

export interface CandidateRules {
  scope: CandidateScope;
  /** Distinct remote candidates one peer connection may list. */
  maxPerConnection: number;
}

/** `repeated`: admitted before (an SDP carries it again at each renegotiation; a trickled repeat is dropped). */
export type CandidateVerdict = 'accepted' | 'repeated' | 'refused' | 'over_limit';

export class CandidateGate {
  private readonly seen = new Set<string>();

  constructor(private readonly rules: CandidateRules) {}

  get count(): number {
    return this.seen.size;
  }

  admit(candidate: IceCandidate): CandidateVerdict {
    if (!candidateAllowed(candidate.ip, candidate.port, this.rules.scope)) return 'refused';
    const key = `${candidate.protocol.toLowerCase()} ${candidate.ip} ${candidate.port}`;
    if (this.seen.has(key)) return 'repeated';
    if (this.seen.size >= this.rules.maxPerConnection) return 'over_limit';
    this.seen.add(key);
    return 'accepted';
  }

  /** For an SDP's candidates: werift negotiates the whole description again, repeats included. */
  keepsInSdp(candidate: IceCandidate): boolean {
    const verdict = this.admit(candidate);
    return verdict === 'accepted' || verdict === 'repeated';
  }
}
