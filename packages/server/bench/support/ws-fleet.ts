/**
 * N WebSocket clients in the benchmark process, doing as little as possible per message so that the server, not
 * the clients, is what gets measured: a message counts when its bytes contain the round's marker (a native
 * `Buffer#indexOf`, no JSON parsing). The same fleet code serves Switchboard and the raw baseline.
 */
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';

export interface FleetOptions {
  url: string;
  size: number;
  /** The auth message for client `i` (Switchboard); none for the raw baseline. */
  auth?: (i: number) => Promise<string>;
  /** Sockets opening at once (the listen backlog is finite). */
  concurrency?: number;
}

export class WsFleet {
  readonly sockets: WebSocket[] = [];
  /** Connection ids from `connection.ok`, by client (Switchboard only). */
  readonly connectionIds: string[] = [];
  /** The last message client 0 received that matched a marker (to replay the exact bytes on the baseline). */
  sample: Buffer | undefined;
  private armed: { marker: Buffer; got: Uint8Array; count: number; done: (at: number) => void } | undefined;
  private pinger: NodeJS.Timeout | undefined;

  static async open(options: FleetOptions): Promise<WsFleet> {
    const fleet = new WsFleet();
    const concurrency = options.concurrency ?? 200;
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < options.size; i = next++) await fleet.openOne(i, options);
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    return fleet;
  }

  private async openOne(i: number, options: FleetOptions): Promise<void> {
    const ws = new WebSocket(options.url, { perMessageDeflate: false });
    this.sockets[i] = ws;
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    if (options.auth) {
      ws.send(await options.auth(i));
      const first = await new Promise<Buffer>((resolve) => ws.once('message', (data: Buffer) => resolve(data)));
      const ok = JSON.parse(first.toString()) as { type: string; connection_id?: string };
      if (ok.type !== 'connection.ok' || !ok.connection_id) throw new Error(`client ${i}: ${first.toString()}`);
      this.connectionIds[i] = ok.connection_id;
    }
    ws.on('message', (data: Buffer) => this.onMessage(i, data));
  }

  private onMessage(i: number, data: Buffer): void {
    const armed = this.armed;
    if (!armed || armed.got[i] === 1 || data.indexOf(armed.marker) < 0) return;
    armed.got[i] = 1;
    if (i === 0) this.sample = data;
    armed.count += 1;
    if (armed.count === this.sockets.length) {
      this.armed = undefined;
      armed.done(performance.now());
    }
  }

  /**
   * Resolves with `performance.now()` at the moment the last client received a message containing `marker`, or
   * rejects after `timeoutMs` saying how many did.
   */
  receiveAll(marker: string, timeoutMs: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const got = new Uint8Array(this.sockets.length);
      const timer = setTimeout(() => {
        const count = this.armed?.count ?? 0;
        this.armed = undefined;
        reject(new Error(`only ${count} of ${this.sockets.length} clients received the event in ${timeoutMs} ms`));
      }, timeoutMs);
      this.armed = {
        marker: Buffer.from(marker),
        got,
        count: 0,
        done: (at) => {
          clearTimeout(timer);
          resolve(at);
        },
      };
    });
  }

  /** Pings every client's server connection periodically, as real clients do (Switchboard drops silent ones). */
  keepAlive(intervalMs: number): void {
    const ping = JSON.stringify([{ type: 'health.check', client_id: 'bench' }]);
    this.pinger = setInterval(() => {
      for (const ws of this.sockets) if (ws.readyState === WebSocket.OPEN) ws.send(ping);
    }, intervalMs);
  }

  async close(): Promise<void> {
    clearInterval(this.pinger);
    await Promise.all(
      this.sockets.map(
        (ws) =>
          new Promise<void>((resolve) => {
            if (ws.readyState === WebSocket.CLOSED) return resolve();
            ws.once('close', () => resolve());
            ws.terminate();
          }),
      ),
    );
  }
}
