/**
 * `connection_id` across nodes: which node holds a realtime connection (a directory in Redis), and commands to that
 * node (watch, subscribe, joined) over its own Redis channel, answered on the asking node's channel.
 *
 *   client ══ws══ node A                         Redis                           node B ◄── POST …?connection_id=c1
 *   connection.ok(c1) after  SET <p>:conn:c1 {n:A,u:bob} PX ttl  (refreshed by A every ttl/3)
 *                                                 GET <p>:conn:c1 ◄──────────────── lookup: held by A, user bob
 *                 ◄── <p>:node:A {id, op: watch, connection_id: c1, cids, reply_to: B} ◄── command
 *   A applies it to c1 (registry, presence) ──► <p>:node:B {id, reply: ok | error} ──► request answers
 *
 * The asking node checks the actor against the directory's user before sending anything; the holding node checks
 * again that it still holds the connection. A node that died leaves directory entries behind for at most the TTL;
 * commands to it time out and answer "connection not open", as a closed connection does on one node.
 *
 * Owns: the directory keys and the per-node command channels. Imports: ioredis, and the realtime port's types.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { ApiError, inputError } from '../domain/errors.js';

export interface ConnectionHolder {
  nodeId: string;
  userId: string;
}

export type RemoteCommand =
  | { op: 'watch'; connection_id: string; cids: string[] }
  | { op: 'subscribe'; connection_id: string; cid: string }
  | { op: 'unsubscribe'; connection_id: string; cid: string }
  | { op: 'joined'; connection_id: string; user_id: string; cid: string };

/** What the holding node runs for a command; throwing answers the asking node with that error's message. */
export type CommandHandler = (command: RemoteCommand) => Promise<void>;

interface CommandMessage {
  id: string;
  reply_to: string;
  command: RemoteCommand;
}
interface ReplyMessage {
  id: string;
  /** Absent on success. */
  error?: string;
  /** The holder failed for a reason other than the connection (logged there); the request answers 500. */
  internal?: boolean;
}

export interface RemoteConnectionsOptions {
  url: string;
  nodeId: string;
  prefix: string;
  logger: Logger;
  /** Directory entries live this long unless the holder refreshes them (a dead node's entries go after it). */
  ttlMs?: number;
  /** How long a command waits for the holding node's answer. */
  commandTimeoutMs?: number;
}

/** Commands in flight from this node: each waits for its reply or its timeout (bounded by the request load). */
export class RemoteConnections {
  private readonly client: Redis;
  private readonly subscriber: Redis;
  private readonly held = new Map<string, string>();
  private readonly pending = new Map<
    string,
    { settle: (reply?: Omit<ReplyMessage, 'id'>) => void; timer: NodeJS.Timeout }
  >();
  private readonly refreshTimer: NodeJS.Timeout;
  private handler: CommandHandler = async () => {
    throw new Error('this node takes no commands yet');
  };
  private readonly ttlMs: number;
  private readonly commandTimeoutMs: number;

  private constructor(private readonly options: RemoteConnectionsOptions) {
    this.ttlMs = options.ttlMs ?? 60_000;
    this.commandTimeoutMs = options.commandTimeoutMs ?? 2000;
    const common = {
      lazyConnect: true,
      retryStrategy: (times: number) => Math.min(times * 50, 1000),
      maxRetriesPerRequest: 1,
    };
    this.client = new Redis(options.url, {
      ...common,
      enableOfflineQueue: false,
      commandTimeout: this.commandTimeoutMs,
      connectionName: `switchboard-dir-${options.nodeId}`,
    });
    this.subscriber = new Redis(options.url, { ...common, connectionName: `switchboard-cmd-${options.nodeId}` });
    for (const client of [this.client, this.subscriber]) {
      client.on('error', (err: Error) => options.logger.debug({ err }, 'redis connection directory error'));
    }
    this.subscriber.on('message', (_channel: string, text: string) => this.receive(text));
    // A reconnected Redis may have lost the keys (restart without persistence): write them all again.
    this.client.on('ready', () => void this.refresh());
    this.refreshTimer = setInterval(() => void this.refresh(), Math.max(1000, this.ttlMs / 3));
    this.refreshTimer.unref();
  }

  static async connect(options: RemoteConnectionsOptions): Promise<RemoteConnections> {
    const remote = new RemoteConnections(options);
    try {
      await Promise.all([remote.client.connect(), remote.subscriber.connect()]);
      await remote.subscriber.subscribe(remote.channelOf(options.nodeId));
    } catch (err) {
      await remote.close();
      throw new Error(`REDIS_URL: cannot reach Redis (${(err as Error).message})`);
    }
    return remote;
  }

  /** Installs what this node runs for commands from other nodes (the realtime port, built after this). */
  handle(handler: CommandHandler): void {
    this.handler = handler;
  }

  /** This node now holds the connection: other nodes can find it once this resolves. Never rejects. */
  async hold(connectionId: string, userId: string): Promise<void> {
    this.held.set(connectionId, userId);
    await this.client
      .set(this.keyOf(connectionId), this.entry(userId), 'PX', this.ttlMs)
      .catch((err: unknown) => this.options.logger.warn({ err, connectionId }, 'connection directory write failed'));
  }

  release(connectionId: string): void {
    if (!this.held.delete(connectionId)) return;
    this.client.del(this.keyOf(connectionId)).catch(() => {}); // the entry expires anyway
  }

  /** Who holds the connection, as far as the directory knows (undefined: no node, or Redis unreachable). */
  async lookup(connectionId: string): Promise<ConnectionHolder | undefined> {
    let text: string | null;
    try {
      text = await this.client.get(this.keyOf(connectionId));
    } catch (err) {
      this.options.logger.warn({ err, connectionId }, 'connection directory read failed');
      return undefined;
    }
    if (!text) return undefined;
    const entry = JSON.parse(text) as { n: string; u: string };
    return { nodeId: entry.n, userId: entry.u };
  }

  /** Runs `command` on the node holding the connection; rejects with an input error naming `connection_id`. */
  async send(nodeId: string, command: RemoteCommand): Promise<void> {
    const id = randomUUID();
    const message: CommandMessage = { id, reply_to: this.options.nodeId, command };
    const answered = new Promise<Omit<ReplyMessage, 'id'> | undefined>((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        resolve({ error: `connection ${command.connection_id} is not open` });
      }, this.commandTimeoutMs);
      this.pending.set(id, { settle: resolve, timer });
    });
    try {
      await this.client.publish(this.channelOf(nodeId), JSON.stringify(message));
    } catch {
      this.pending.get(id)?.settle({ error: `connection ${command.connection_id} is not reachable` });
    }
    const reply = await answered;
    if (reply?.internal) throw new Error(`node ${nodeId} failed to run ${command.op}: ${reply.error}`);
    if (reply?.error !== undefined) throw inputError(reply.error, 'connection_id');
  }

  /** Redis pub/sub channels held subscribed right now (`/metrics`): this node's command channel while connected. */
  subscribedChannels(): number {
    return this.subscriber.status === 'ready' ? 1 : 0;
  }

  async close(): Promise<void> {
    clearInterval(this.refreshTimer);
    for (const [id, { settle, timer }] of this.pending) {
      clearTimeout(timer);
      settle({ error: 'node shutting down' });
      this.pending.delete(id);
    }
    if (this.held.size > 0 && this.client.status === 'ready') {
      await this.client.del(...[...this.held.keys()].map((id) => this.keyOf(id))).catch(() => {});
    }
    this.held.clear();
    this.client.disconnect();
    this.subscriber.disconnect();
  }

  private receive(text: string): void {
    let message: CommandMessage | ReplyMessage;
    try {
      message = JSON.parse(text) as CommandMessage | ReplyMessage;
    } catch {
      return;
    }
    if ('command' in message) {
      void this.run(message);
      return;
    }
    const waiting = this.pending.get(message.id);
    if (!waiting) return; // timed out already
    this.pending.delete(message.id);
    clearTimeout(waiting.timer);
    waiting.settle(message);
  }

  private async run(message: CommandMessage): Promise<void> {
    const reply: ReplyMessage = { id: message.id };
    try {
      await this.handler(message.command);
    } catch (err) {
      if (err instanceof ApiError) {
        reply.error = err.message;
      } else {
        this.options.logger.error({ err, op: message.command.op }, 'remote connection command failed');
        reply.error = 'internal error';
        reply.internal = true;
      }
    }
    await this.client.publish(this.channelOf(message.reply_to), JSON.stringify(reply)).catch(() => {});
  }

  /** Extends every held entry's TTL (one round trip for all of them). */
  private async refresh(): Promise<void> {
    if (this.held.size === 0 || this.client.status !== 'ready') return;
    const pipeline = this.client.pipeline();
    for (const [id, userId] of this.held) pipeline.set(this.keyOf(id), this.entry(userId), 'PX', this.ttlMs);
    await pipeline.exec().catch(() => {});
  }

  private entry(userId: string): string {
    return JSON.stringify({ n: this.options.nodeId, u: userId });
  }

  private keyOf(connectionId: string): string {
    return `${this.options.prefix}:conn:${connectionId}`;
  }

  private channelOf(nodeId: string): string {
    return `${this.options.prefix}:node:${nodeId}`;
  }
}
