/**
 * A participant made of werift peers and a WebSocket, speaking the SFU protocol as a browser would: it joins with
 * JoinCall's token, publishes generated RTP (a fixed VP8 / Opus packet stream), answers the SFU's subscriber offers
 * and counts the packets it receives per publisher and source. Tests and the sfu-forward benchmark use it.
 */
import {
  type PublishedTrackDeclaration,
  type SfuServerMessage,
  SourceKind,
  type SubscribedTrack,
  type TrackSource,
} from '@switchboard/protocol/sfu';
import { RTCPeerConnection, type RTCRtpTransceiver, RtpHeader, RtpPacket } from 'werift';
import WebSocket from 'ws';
import { sfuPeerConfig } from '../../../src/media/embedded/peer-config.js';

const PEER_CONFIG = sfuPeerConfig({ additionalHostAddresses: ['127.0.0.1'] });

type Predicate<T> = (m: T) => boolean;

export class SyntheticParticipant {
  readonly messages: SfuServerMessage[] = [];
  /** `${session_id}/${source}` → RTP packets received. */
  readonly received = new Map<string, number>();
  /** Key-frame requests (PLI) the SFU relayed to this participant's video, as a publisher. */
  pliReceived = 0;
  closeCode: number | undefined;
  private readonly ws: WebSocket;
  private readonly waiters = new Set<() => void>();
  private publisher: RTCPeerConnection | undefined;
  private readonly senders = new Map<TrackSource, RTCRtpTransceiver>();
  private subscriber: RTCPeerConnection | undefined;
  private subscribed = new Map<string, SubscribedTrack>();
  private sendTimer: NodeJS.Timeout | undefined;
  private readonly closedPromise: Promise<number>;

  private constructor(url: string) {
    this.ws = new WebSocket(url);
    this.ws.on('message', (data) => this.onMessage(JSON.parse(data.toString()) as SfuServerMessage));
    this.closedPromise = new Promise((resolve) =>
      this.ws.on('close', (code) => {
        this.closeCode = code;
        this.notify();
        resolve(code);
      }),
    );
  }

  /** Opens the socket and sends `join`; does not wait for the answer (see `joined`). */
  static async open(wsEndpoint: string, token: string): Promise<SyntheticParticipant> {
    const p = new SyntheticParticipant(wsEndpoint);
    await new Promise<void>((resolve, reject) => {
      p.ws.once('open', () => resolve());
      p.ws.once('error', reject);
    });
    p.sendRaw({ v: 1, type: 'join', token });
    return p;
  }

  /** Joins and waits for `joined`. */
  static async join(wsEndpoint: string, token: string): Promise<SyntheticParticipant> {
    const p = await SyntheticParticipant.open(wsEndpoint, token);
    await p.waitFor((m) => m.type === 'joined' || m.type === 'error');
    const first = p.messages.find((m) => m.type === 'joined' || m.type === 'error');
    if (first?.type === 'error') throw new Error(`join refused: ${first.code}: ${first.message}`);
    return p;
  }

  get sessionId(): string {
    const joined = this.messages.find((m) => m.type === 'joined');
    if (joined?.type !== 'joined') throw new Error('not joined');
    return joined.session_id;
  }

  get closed(): Promise<number> {
    return this.closedPromise;
  }

  sendRaw(message: unknown): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** Resolves with the first message (already received or coming) that matches; rejects after `timeoutMs`. */
  async waitFor<T extends SfuServerMessage = SfuServerMessage>(
    match: Predicate<SfuServerMessage>,
    timeoutMs = 10_000,
    from = 0,
  ): Promise<T> {
    return (await this.until(() => this.messages.slice(from).find(match), timeoutMs, 'message')) as T;
  }

  /** Resolves once `condition` returns a value other than undefined / false; rejects after `timeoutMs`. */
  async until<T>(condition: () => T | undefined | false, timeoutMs = 10_000, what = 'condition'): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = condition();
      if (value !== undefined && value !== false) return value;
      const left = deadline - Date.now();
      if (left <= 0) {
        const seen = this.messages.map((m) => m.type).join(', ');
        throw new Error(`timed out waiting for ${what} (messages so far: ${seen})`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, Math.min(left, 50));
        function done() {
          clearTimeout(timer);
          resolve();
        }
        this.waiters.add(done);
      });
    }
  }

  /**
   * Publishes the sources (one transceiver each), waits for the answer or an error, and returns the error code
   * when refused. `declare` overrides the declared tracks and `rewrite` the offer's SDP text (to test lies).
   */
  async publish(
    sources: readonly TrackSource[],
    declare?: (tracks: PublishedTrackDeclaration[]) => PublishedTrackDeclaration[],
    rewrite?: (sdp: string) => string,
  ): Promise<string | undefined> {
    const pc = this.publisher ?? new RTCPeerConnection(PEER_CONFIG);
    this.publisher = pc;
    for (const source of sources) {
      if (this.senders.has(source)) continue;
      const t = pc.addTransceiver(SourceKind[source], { direction: 'sendonly' });
      if (SourceKind[source] === 'video') t.sender.onPictureLossIndication.subscribe(() => this.pliReceived++);
      this.senders.set(source, t);
    }
    await pc.setLocalDescription(await pc.createOffer());
    let tracks: PublishedTrackDeclaration[] = [...this.senders].map(([source, t]) => ({ mid: t.mid ?? '', source }));
    if (declare) tracks = declare(tracks);
    const from = this.messages.length;
    const sdp = pc.localDescription?.sdp ?? '';
    this.sendRaw({ v: 1, type: 'offer', pc: 'publisher', sdp: rewrite ? rewrite(sdp) : sdp, tracks });
    const reply = await this.waitFor(
      (m) => (m.type === 'answer' && m.pc === 'publisher') || (m.type === 'error' && m.request_type === 'offer'),
      10_000,
      from,
    );
    if (reply.type === 'error') {
      // A refused offer changed nothing on the SFU: stop offering the refused transceivers, as a browser would.
      await pc.setLocalDescription({ type: 'rollback', sdp: '' }).catch(() => undefined);
      for (const s of sources) {
        const t = this.senders.get(s);
        if (t) t.setDirection('inactive');
        this.senders.delete(s);
      }
      return reply.code;
    }
    if (reply.type === 'answer') await pc.setRemoteDescription({ type: 'answer', sdp: reply.sdp });
    return undefined;
  }

  /**
   * Sends generated packets on every published source at `rates` (packets/s per kind: VP8-looking 1000-byte video,
   * Opus-sized 120-byte audio), paced in 20 ms ticks.
   */
  startSending(rates: { audio: number; video: number } = { audio: 50, video: 50 }): void {
    const payloadVideo = Buffer.alloc(1000, 0xab);
    payloadVideo[0] = 0x10; // VP8 payload descriptor: start of partition
    const payloadAudio = Buffer.alloc(120, 0xcd);
    const credit = new Map<TrackSource, number>();
    const seq = new Map<TrackSource, number>();
    let last = performance.now();
    this.sendTimer = setInterval(() => {
      const now = performance.now();
      const elapsed = (now - last) / 1000;
      last = now;
      for (const [source, t] of this.senders) {
        const video = SourceKind[source] === 'video';
        let due = (credit.get(source) ?? 0) + elapsed * (video ? rates.video : rates.audio);
        for (; due >= 1; due--) {
          const n = ((seq.get(source) ?? 0) + 1) & 0xffff;
          seq.set(source, n);
          const header = new RtpHeader({
            payloadType: video ? 96 : 111,
            sequenceNumber: n,
            timestamp: (n * (video ? 3000 : 960)) >>> 0,
            marker: true,
          });
          t.sender.sendRtp(new RtpPacket(header, video ? payloadVideo : payloadAudio)).catch(() => undefined);
        }
        credit.set(source, due);
      }
    }, 20);
  }

  /** Asks the SFU for a key frame of a track received from that publisher, as a decoder does (RTCP PLI). */
  async requestKeyFrame(sessionId: string, source: TrackSource): Promise<void> {
    const mid = [...this.subscribed.values()].find((t) => t.session_id === sessionId && t.source === source)?.mid;
    const transceiver = this.subscriber?.getTransceivers().find((t) => t.mid === mid);
    const ssrc = transceiver?.receiver.track?.ssrc;
    if (!transceiver || ssrc === undefined) throw new Error(`not receiving ${source} from ${sessionId}`);
    await transceiver.receiver.sendRtcpPLI(ssrc);
  }

  stopSending(): void {
    if (this.sendTimer) clearInterval(this.sendTimer);
    this.sendTimer = undefined;
  }

  packetsFrom(sessionId: string, source: TrackSource): number {
    return this.received.get(`${sessionId}/${source}`) ?? 0;
  }

  /** Resolves once at least `count` more packets arrived from that publisher's source. */
  async receivesFrom(sessionId: string, source: TrackSource, count = 20, timeoutMs = 10_000): Promise<void> {
    const start = this.packetsFrom(sessionId, source);
    await this.until(
      () => this.packetsFrom(sessionId, source) >= start + count,
      timeoutMs,
      `${count} ${source} packets`,
    );
  }

  /** Closes everything abruptly (like a crashed tab: the socket drops without `leave`). */
  async drop(): Promise<void> {
    this.stopSending();
    this.ws.terminate();
    await this.closePeers();
  }

  async leave(): Promise<void> {
    this.stopSending();
    if (this.ws.readyState === WebSocket.OPEN) this.sendRaw({ v: 1, type: 'leave' });
    await Promise.race([this.closed, new Promise((r) => setTimeout(r, 2000).unref())]);
    await this.closePeers();
  }

  private async closePeers(): Promise<void> {
    await Promise.all([this.publisher?.close(), this.subscriber?.close()].map((p) => p?.catch(() => undefined)));
  }

  private onMessage(message: SfuServerMessage): void {
    this.messages.push(message);
    if (message.type === 'offer' && message.pc === 'subscriber') {
      void this.answer(message.sdp, message.tracks);
    }
    this.notify();
  }

  private async answer(sdp: string, tracks: SubscribedTrack[]): Promise<void> {
    for (const t of tracks) this.subscribed.set(t.mid, t);
    if (!this.subscriber) {
      const pc = new RTCPeerConnection(PEER_CONFIG);
      this.subscriber = pc;
      const counted = new Set<string>();
      pc.onTrack.subscribe((track) => {
        // werift announces a track again at every renegotiation: count its packets once.
        if (counted.has(track.uuid)) return;
        counted.add(track.uuid);
        const transceiver = pc.getTransceivers().find((t) => t.receiver.track === track);
        track.onReceiveRtp.subscribe(() => {
          const info = transceiver?.mid ? this.subscribed.get(transceiver.mid) : undefined;
          if (!info) return;
          const key = `${info.session_id}/${info.source}`;
          this.received.set(key, (this.received.get(key) ?? 0) + 1);
          this.notify();
        });
      });
    }
    const pc = this.subscriber;
    await pc.setRemoteDescription({ type: 'offer', sdp });
    await pc.setLocalDescription(await pc.createAnswer());
    this.sendRaw({ v: 1, type: 'answer', pc: 'subscriber', sdp: pc.localDescription?.sdp });
  }

  private notify(): void {
    const waiting = [...this.waiters];
    this.waiters.clear();
    for (const w of waiting) w();
  }
}
