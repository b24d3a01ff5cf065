/**
 * Support for the media end-to-end tests: participants are headless Debian Chromium instances (playwright-core, fake
 * camera and microphone) that open the node's demo page and join one call through the served browser client.
 * Media is measured the way a user would notice it: from the subscriber peer connection's `getStats()` (inbound
 * `framesDecoded`, audio `packetsReceived`), per remote participant, never from "a track event fired".
 *
 * Where they run: Chromium gathers no loopback ICE candidates on a normal host, so these tests need a loopback-only
 * network namespace (`npm test` runs them in one: `unshare -n`, lo up). Outside one, or without Chromium, they are
 * skipped with the reason printed, unless CI=true, where both are failures.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type BrowserServer, chromium, type Page } from 'playwright-core';
import type { TestNode } from '../support/test-node.js';

export const CHROMIUM = '/usr/bin/chromium';
/** Flags measured to work for WebRTC in a loopback-only namespace (see the comments for the non-obvious ones). */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--use-fake-device-for-media-stream',
  // Also on pages that only receive: without a media permission Chromium hides host candidates behind mDNS.
  '--use-fake-ui-for-media-stream',
  // Without it Chromium gathers no candidates at all on loopback.
  '--allow-loopback-in-peer-connection',
  '--autoplay-policy=no-user-gesture-required',
];

function whyNotRunnable(): string | undefined {
  if (!existsSync(CHROMIUM)) return `${CHROMIUM} not found (apt-get install -y chromium)`;
  const names = Object.keys(networkInterfaces());
  if (names.some((name) => name !== 'lo')) {
    return `not in a loopback-only network namespace (interfaces: ${names.join(', ')}); run through npm test, or unshare -n`;
  }
  return undefined;
}

export const skipReason = whyNotRunnable();
if (skipReason && process.env.CI !== 'true') console.log(`# media browser tests skipped: ${skipReason}`);
/** `describe`'s skip option: skipped with the reason, except under CI where `assertRunnable` fails instead. */
export const mediaSkip = process.env.CI === 'true' ? false : (skipReason ?? false);

export function assertRunnable(): void {
  assert.ok(!skipReason, `${skipReason}; with CI=true the media browser tests must run`);
}

/**
 * Until `check` returns a truthy value (polled), or fail with `what` after `timeoutMs`. The default is generous:
 * three Chromium instances decoding video share two cores with everything else on a CI machine.
 */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 45_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
      last = value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (last: ${String(last)})`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Inbound media from one remote participant, as the subscriber connection's stats report it. */
export interface InboundFrom {
  user_id: string;
  framesDecoded: number;
  audioPackets: number;
}

export interface JoinOptions {
  user: string;
  callType: string;
  callId: string;
  camera?: boolean;
  microphone?: boolean;
  /** Default true: the demo page joins on load. */
  autojoin?: boolean;
  /**
   * A Chromium shared by several participants (`launchChromium`): each participant gets a context of its own in it
   * (own storage, own fake devices, own peer connections), which saves a browser start per participant.
   */
  browser?: Browser;
}

/** One Chromium for several participants of a file; the caller closes it. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/** One participant: its own Chromium, one page on the node's demo page. */
export class Participant {
  readonly user: string;
  readonly page: Page;
  readonly #close: () => Promise<void>;
  readonly #kill: (() => void) | undefined;

  private constructor(user: string, page: Page, close: () => Promise<void>, kill?: () => void) {
    this.user = user;
    this.page = page;
    this.#close = close;
    this.#kill = kill;
  }

  /**
   * Launches Chromium and opens the demo page, which joins on its own (`autojoin=1`). With `killable`, Chromium runs
   * as a separate server process that `kill()` can SIGKILL (an abrupt close: no unload, no goodbye).
   */
  static async join(node: TestNode, options: JoinOptions & { killable?: boolean }): Promise<Participant> {
    const userDataDir = mkdtempSync(join(tmpdir(), 'switchboard-media-'));
    // `browser` is this participant's own Chromium; undefined when it has a context in a shared one.
    let browser: Browser | undefined;
    let server: BrowserServer | undefined;
    if (options.killable) {
      server = await chromium.launchServer({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
      browser = await chromium.connect(server.wsEndpoint());
    } else if (!options.browser) {
      browser = await launchChromium();
    }
    const context = await (browser ?? (options.browser as Browser)).newContext();
    const page = await context.newPage();
    page.on('pageerror', (err) => console.log(`# [${options.user}] page error: ${err.message}`));
    if (process.env.MEDIA_DEBUG) page.on('console', (m) => console.log(`# [${options.user}] ${m.text()}`));
    const query = new URLSearchParams({
      user: options.user,
      type: options.callType,
      call: options.callId,
      camera: options.camera === false ? '0' : '1',
      microphone: options.microphone === false ? '0' : '1',
      autojoin: options.autojoin === false ? '0' : '1',
    });
    if (process.env.MEDIA_DEBUG) {
      await page.addInitScript(() => {
        const Original = WebSocket;
        (window as unknown as { WebSocket: unknown }).WebSocket = class extends Original {
          constructor(url: string | URL, protocols?: string | string[]) {
            super(url, protocols);
            if (!String(url).includes('/sfu')) return;
            this.addEventListener('message', (e) => {
              const m = JSON.parse(String(e.data));
              console.log(
                '<<',
                m.type,
                m.pc ?? '',
                m.code ?? '',
                m.message ?? '',
                m.reason ?? '',
                JSON.stringify(m.tracks ?? '').slice(0, 80),
              );
            });
            const send = this.send.bind(this);
            this.send = (data: string) => {
              const m = JSON.parse(data);
              console.log('>>', m.type, m.pc ?? '', JSON.stringify(m.tracks ?? ''));
              send(data);
            };
          }
        };
      });
    }
    await page.goto(`${node.baseUrl}/demo?${query}`);
    const close = async () => {
      // A shared browser outlives its participants: only their own context closes.
      await (browser ?? context).close().catch(() => {});
      await server?.close().catch(() => {});
      rmSync(userDataDir, { recursive: true, force: true });
    };
    const kill = server ? () => server.process().kill('SIGKILL') : undefined;
    return new Participant(options.user, page, close, kill);
  }

  /** The demo page's state: `joining`, `joined`, `failed` (with `error`), `closed` (with `closed`). */
  state(): Promise<{ state: string; error?: { code?: string; message: string }; closed?: { code: number } }> {
    return this.page.evaluate(() => {
      const demo = (window as unknown as { demo: Record<string, unknown> }).demo;
      return JSON.parse(JSON.stringify({ state: demo.state, error: demo.error, closed: demo.closed }));
    });
  }

  /** Waits for the page's join to succeed or fail, and answers which. */
  async joinOutcome(): Promise<Awaited<ReturnType<Participant['state']>>> {
    return waitFor(`${this.user}'s join to finish`, async () => {
      const outcome = await this.state();
      return outcome.state === 'joined' || outcome.state === 'failed' ? outcome : undefined;
    });
  }

  async joined(): Promise<void> {
    const { state, error } = await this.joinOutcome();
    if (state !== 'joined') throw new Error(`${this.user} could not join: ${error?.code} ${error?.message}`);
  }

  /** Our `user_session_id` in the call. */
  sessionId(): Promise<string> {
    return this.page.evaluate(
      () => (window as unknown as { demo: { call: { sessionId: string } } }).demo.call.sessionId,
    );
  }

  /** Per remote participant: decoded video frames and received audio packets so far. */
  inbound(): Promise<InboundFrom[]> {
    return this.page.evaluate(async () => {
      type Track = { track?: MediaStreamTrack };
      type Remote = { user_id: string; tracks: Map<string, Track> };
      const call = (window as unknown as { demo: { call: Record<string, unknown> } }).demo.call as {
        participants: Map<string, Remote>;
        peerConnections: { subscriber?: RTCPeerConnection };
      };
      const pc = call.peerConnections.subscriber;
      if (!pc) return [];
      const byTrack = new Map<string, Record<string, number>>();
      (await pc.getStats()).forEach((report: Record<string, unknown>) => {
        if (report.type === 'inbound-rtp')
          byTrack.set(String(report.trackIdentifier), report as Record<string, number>);
      });
      return [...call.participants.values()].map((p) => ({
        user_id: p.user_id,
        framesDecoded: byTrack.get(p.tracks.get('video')?.track?.id ?? '')?.framesDecoded ?? 0,
        audioPackets: byTrack.get(p.tracks.get('audio')?.track?.id ?? '')?.packetsReceived ?? 0,
      }));
    });
  }

  async inboundFrom(user: string): Promise<InboundFrom> {
    return (
      (await this.inbound()).find((i) => i.user_id === user) ?? { user_id: user, framesDecoded: 0, audioPackets: 0 }
    );
  }

  /**
   * Waits until video frames from `user` are decoded and keep being decoded (the count grows past a first sample),
   * and the same for audio packets unless `audio` is false.
   */
  async receivesFrom(user: string, { video = true, audio = true } = {}): Promise<void> {
    const first = await waitFor(`${this.user} to receive media from ${user}`, async () => {
      const inbound = await this.inboundFrom(user);
      return (!video || inbound.framesDecoded > 0) && (!audio || inbound.audioPackets > 0) ? inbound : undefined;
    });
    await waitFor(`${this.user}'s media from ${user} to keep flowing`, async () => {
      const now = await this.inboundFrom(user);
      return (
        (!video || now.framesDecoded > first.framesDecoded + 5) &&
        (!audio || now.audioPackets > first.audioPackets + 10)
      );
    });
  }

  /** The session ids pinned as this page shows them, and which tile is the large one. */
  layout(): Promise<{ pins: string[]; staged: string[] }> {
    return this.page.evaluate(() => {
      const call = (window as unknown as { demo: { call: { pins: { session_id: string }[] } } }).demo.call;
      const staged = Array.from(document.querySelectorAll('#stage .tile')).map(
        (el) => (el as HTMLElement).dataset.session ?? '',
      );
      return { pins: call.pins.map((p) => p.session_id), staged };
    });
  }

  kill(): void {
    if (!this.#kill) throw new Error('launched without killable');
    this.#kill();
  }

  close(): Promise<void> {
    return this.#close();
  }
}
