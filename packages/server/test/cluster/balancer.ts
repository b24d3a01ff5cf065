/**
 * A TCP load balancer for tests, standing in for nginx or HAProxy: each new client connection (HTTP or WebSocket)
 * goes to the node `pick` names at that moment, with no stickiness. A node taken out of rotation (what a load
 * balancer does once `/readyz` answers 503) gets no new connections; connections already open stay where they are.
 */
import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';

export class Balancer {
  private constructor(
    private readonly server: Server,
    private readonly sockets: Set<Socket>,
    readonly url: string,
  ) {}

  /** `pick` returns the base URL of the node that takes the next connection, or undefined to refuse it. */
  static async start(pick: () => string | undefined): Promise<Balancer> {
    const sockets = new Set<Socket>();
    const server = createServer((client) => {
      const target = pick();
      if (!target) {
        client.destroy();
        return;
      }
      const { hostname, port } = new URL(target);
      const upstream = connect(Number(port), hostname);
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
        s.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream);
      upstream.pipe(client);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const address = server.address();
    if (!address || typeof address === 'string') throw new Error('balancer has no port');
    return new Balancer(server, sockets, `http://127.0.0.1:${address.port}`);
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    const closed = once(this.server, 'close');
    this.server.close();
    await closed;
  }
}
