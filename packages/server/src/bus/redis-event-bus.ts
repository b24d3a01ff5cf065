/**
 * The event bus of a cluster: every node publishes on one Redis pub/sub channel per app and delivers what the
 * other nodes published through its local bus. A node's own messages are delivered locally at once (as on a single
 * node) and skipped when Redis echoes them back, recognised by the node id.
 *
 *   node A                         Redis                          node B
 *   commit ─► publish(e) ─► local listeners (sync)
 *                    └────── PUBLISH <prefix>:bus {n:A, e} ───────► SUBSCRIBE <prefix>:bus
 *                                                                   n ≠ B → local listeners of B
 *
 * Order: one publishing connection per node and Redis' in-order pub/sub keep each node's messages (events and
 * notices together) in publish order on every other node. Every node receives every event; each node's realtime
 * router then picks its own recipients (who watches, which members are connected here), so who receives what is
 * decided exactly as on one node.
 *
 * Loss: Redis pub/sub is fire-and-forget. While a node's link to Redis is down, what it publishes reaches only
 * its own listeners and what others publish never reaches it; ioredis reconnects (and re-subscribes) on its own,
 * and on every reconnect the bus calls its gap listeners so caches drop what they may have missed. Publishing
 * never queues while disconnected (a backlog replayed late would deliver stale events out of any useful order)
 * and never throws into the committed write. Webhooks and push come from the outbox and lose nothing.
 */
import type { CallEvent } from '@switchboard/protocol';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { ClusterNotice, EventBus, EventListener, NoticeListener } from './event-bus.js';
import { type ListenerFailure, LocalEventBus } from './local-event-bus.js';

export interface RedisBusOptions {
  url: string;
  /** This node's id (ServiceContext.nodeId): its own messages are not delivered twice. */
  nodeId: string;
  /** Channel namespace: nodes of one app share it; different apps (or test runs) on one Redis do not. */
  prefix: string;
  logger: Logger;
  onListenerFailure?: ListenerFailure;
  /** How long one PUBLISH may wait for Redis before the bus gives up on it (a hung Redis must not hang writes). */
  commandTimeoutMs?: number;
}

interface OutgoingMessage {
  text: string;
  resolve: () => void;
}

interface WireMessage {
  /** Sending node. */
  n: string;
  e?: CallEvent;
  x?: ClusterNotice;
}

/** Reconnect delays grow by 50 ms per attempt up to this: a restarted Redis is found again within a second. */
const MAX_RECONNECT_DELAY_MS = 1000;

export class RedisEventBus implements EventBus {
  private readonly local: LocalEventBus;
  private readonly gapListeners = new Set<() => void>();
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  private readonly channel: string;
  private subscribedOnce = false;
  private droppedSinceConnected = 0;
  /** Messages waiting for the end of this microtask run (see `send`). */
  private outgoing: OutgoingMessage[] = [];
  private closed = false;

  private constructor(private readonly options: RedisBusOptions) {
    this.local = new LocalEventBus(options.onListenerFailure);
    this.channel = `${options.prefix}:bus`;
    const common = {
      lazyConnect: true,
      retryStrategy: (times: number) => Math.min(times * 50, MAX_RECONNECT_DELAY_MS),
      // Nothing waits for a connection: a publish while disconnected fails at once (and is counted as lost).
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
    };
    this.publisher = new Redis(options.url, {
      ...common,
      commandTimeout: options.commandTimeoutMs ?? 1000,
      // No auto-pipelining: it defers every PUBLISH to setImmediate, which added ~1.5 ms to the median cross-node
      // hop in the cross-node benchmark (0.2–0.3 ms without); `send` batches per microtask run instead.
      connectionName: `switchboard-pub-${options.nodeId}`,
    });
    // The subscriber re-subscribes by itself after a reconnect (ioredis autoResubscribe); it must queue its own
    // SUBSCRIBE until the connection is up, hence the offline queue on this one.
    this.subscriber = new Redis(options.url, {
      ...common,
      enableOfflineQueue: true,
      connectionName: `switchboard-sub-${options.nodeId}`,
    });
    for (const [name, client] of [
      ['publisher', this.publisher],
      ['subscriber', this.subscriber],
    ] as const) {
      client.on('error', (err: Error) => options.logger.debug({ err, client: name }, 'redis bus connection error'));
    }
    this.subscriber.on('message', (channel: string, text: string) => {
      if (channel === this.channel) this.receive(text);
    });
    this.subscriber.on('ready', () => this.onSubscriberReady());
    this.subscriber.on('close', () => {
      if (!this.closed) options.logger.warn('redis bus disconnected: realtime delivery from other nodes paused');
    });
  }

  /** Connects both links and subscribes; rejects (and releases everything) when Redis cannot be reached. */
  static async connect(options: RedisBusOptions): Promise<RedisEventBus> {
    const bus = new RedisEventBus(options);
    try {
      await Promise.all([bus.publisher.connect(), bus.subscriber.connect()]);
      await bus.subscriber.subscribe(bus.channel);
      bus.subscribedOnce = true;
    } catch (err) {
      await bus.close();
      throw new Error(`REDIS_URL: cannot reach Redis (${(err as Error).message})`);
    }
    return bus;
  }

  publish(event: CallEvent): Promise<void> {
    this.local.publish(event);
    return this.send({ n: this.options.nodeId, e: event });
  }

  subscribe(listener: EventListener): () => void {
    return this.local.subscribe(listener);
  }

  async notify(notice: ClusterNotice): Promise<void> {
    // Handed to Redis before the local listeners run, so it keeps its place among this node's messages.
    const sent = this.send({ n: this.options.nodeId, x: notice });
    await this.local.notify(notice);
    await sent;
  }

  onNotice(listener: NoticeListener): () => void {
    return this.local.onNotice(listener);
  }

  onGap(listener: () => void): () => void {
    this.gapListeners.add(listener);
    return () => this.gapListeners.delete(listener);
  }

  connected(): boolean {
    return this.publisher.status === 'ready' && this.subscriber.status === 'ready';
  }

  /** Redis pub/sub channels this bus holds subscribed right now (`/metrics`): its one channel while connected. */
  subscribedChannels(): number {
    return this.subscribedOnce && !this.closed && this.subscriber.status === 'ready' ? 1 : 0;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.gapListeners.clear();
    await this.local.close();
    this.publisher.disconnect();
    this.subscriber.disconnect();
  }

  /**
   * Never rejects: the write this message reports has committed, whatever happens to the message. Messages sent in
   * one run of the microtask queue (a group commit's events, concurrent requests' answers) leave in one pipeline,
   * one socket write, in send order; unlike ioredis auto-pipelining (deferred to setImmediate) this adds no wait.
   */
  private send(message: WireMessage): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.outgoing.push({ text: JSON.stringify(message), resolve });
      if (this.outgoing.length === 1) queueMicrotask(() => this.flushOutgoing());
    });
  }

  private flushOutgoing(): void {
    const batch = this.outgoing;
    this.outgoing = [];
    if (batch.length === 0) return;
    const settle = (failures: readonly unknown[]) => {
      for (const err of failures) this.dropped(err);
      for (const pending of batch) pending.resolve();
    };
    if (batch.length === 1) {
      this.publisher.publish(this.channel, (batch[0] as OutgoingMessage).text).then(
        () => settle([]),
        (err: unknown) => settle([err]),
      );
      return;
    }
    const pipeline = this.publisher.pipeline();
    for (const { text } of batch) pipeline.publish(this.channel, text);
    pipeline.exec().then(
      (results) => settle((results ?? []).flatMap(([err]) => (err ? [err] : []))),
      (err: unknown) => settle(batch.map(() => err)),
    );
  }

  private dropped(err: unknown): void {
    if (this.droppedSinceConnected++ === 0) {
      this.options.logger.warn({ err }, 'redis bus publish failed: other nodes miss messages until it is back');
    }
  }

  private receive(text: string): void {
    let message: WireMessage;
    try {
      message = JSON.parse(text) as WireMessage;
    } catch (err) {
      this.options.logger.error({ err }, 'unreadable message on the redis bus');
      return;
    }
    if (message.n === this.options.nodeId) return; // delivered locally when published
    if (message.e) this.local.publish(message.e);
    if (message.x) void this.local.notify(message.x);
  }

  /** Every `ready` after the first one ends a gap: whatever was published meanwhile did not reach this node. */
  private onSubscriberReady(): void {
    if (!this.subscribedOnce || this.closed) return;
    this.options.logger.warn({ dropped: this.droppedSinceConnected }, 'redis bus reconnected');
    this.droppedSinceConnected = 0;
    for (const listener of [...this.gapListeners]) {
      try {
        listener();
      } catch (err) {
        this.options.logger.error({ err }, 'bus gap listener failed');
      }
    }
  }
}
