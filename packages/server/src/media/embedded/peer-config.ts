/**
 * werift peer connection settings for every SFU peer. Each one is there for a reason measured with Chromium:
 * - no ICE servers: the SFU is reached directly, and a STUN lookup fails where there is no DNS;
 * - extra host addresses: werift skips loopback interfaces, so same-host clients would get no candidates;
 * - max-bundle: one transport per peer (with one per m-line, werift leaks the unbundled sockets);
 * - VP8 + Opus only, with NACK / PLI / REMB feedback: forwarded as is, no transcoding;
 * - mid and abs-send-time header extensions, and not transport-wide-cc: with it Chromium's bandwidth estimate
 *   collapsed to a few hundred kbps.
 */
import {
  type RTCPeerConnectionConfig,
  RTCRtpCodecParameters,
  useAbsSendTime,
  useNACK,
  usePLI,
  useREMB,
  useSdesMid,
} from 'werift';

export interface PeerNetworkOptions {
  /** Addresses werift would not gather by itself (loopback) but clients can reach. */
  additionalHostAddresses: readonly string[];
}

export function sfuPeerConfig(network: PeerNetworkOptions): RTCPeerConnectionConfig {
  return {
    iceServers: [],
    iceAdditionalHostAddresses: [...network.additionalHostAddresses],
    iceUseIpv6: false,
    bundlePolicy: 'max-bundle',
    codecs: {
      video: [
        new RTCRtpCodecParameters({
          mimeType: 'video/VP8',
          clockRate: 90_000,
          payloadType: 96,
          rtcpFeedback: [useNACK(), usePLI(), useREMB()],
        }),
      ],
      audio: [new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48_000, channels: 2, payloadType: 111 })],
    },
    headerExtensions: {
      video: [useSdesMid(), useAbsSendTime()],
      audio: [useSdesMid(), useAbsSendTime()],
    },
  };
}
