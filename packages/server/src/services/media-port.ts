/** What services need to know about the media layer (media/): where JoinCall sends a joiner's media connection. */
export interface MediaIceServer {
  urls: string | string[];
  username?: string;
  credential?: string;
}

export interface MediaEndpoint {
  /** The SFU's signaling WebSocket URL (docs/sfu-protocol.md). */
  wsEndpoint: string;
  /** A name for the SFU the joiner was placed on, as `credentials.server.edge_name`. */
  edgeName: string;
  iceServers: MediaIceServer[];
}

export interface MediaPort {
  /** The SFU a new participation connects to. */
  endpoint(): MediaEndpoint;
}
