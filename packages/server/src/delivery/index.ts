/**
 * delivery/: what leaves the node from the durable outbox.
 *
 * Owns: the outbox relay (claims committed outbox rows in commit order and hands them to sinks), the webhook
 * sink and worker (deliveries table, retries, dead letters, per-(hook, call) order, leases), the app's hook
 * settings, the operators' delivery log / retry / replay, delivery metrics and the retention purge; push
 * notifications (push/: devices, providers, the push sink and worker) as a second `OutboxSink`; and the one way
 * out (outbound/: per-sender HTTP clients whose every connection is held to the address policy of
 * domain/network-address.ts).
 *
 * May import: store/, domain/, bus/ and protocol. Nothing here knows about HTTP (http/routes/webhook-routes.ts
 * calls in), and services/ never import it: events reach it only through the outbox.
 */
import type { TestPushRequest, TestPushResult } from '@switchboard/protocol';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { EventBus } from '../bus/event-bus.js';
import type { Actor } from '../domain/actor.js';
import type { Clock } from '../domain/clock.js';
import type { OutboundPolicies } from '../domain/network-address.js';
import { describeUnavailable, isDatabaseUnavailable } from '../store/connection-errors.js';
import type { Store } from '../store/store.js';
import { DeliveryAdmin } from './delivery-admin.js';
import { DeliveryMetrics } from './delivery-metrics.js';
import { DeliveryStore } from './delivery-store.js';
import type { Resolver } from './outbound/guarded-lookup.js';
import { OutboxRelay } from './outbox-relay.js';
import { ProviderPool } from './push/provider-pool.js';
import { PushMetrics } from './push/push-metrics.js';
import { PushSink } from './push/push-sink.js';
import { PushStore } from './push/push-store.js';
import { PushWorker } from './push/push-worker.js';
import { testPush } from './push/test-push.js';
import { Loop } from './wakeup.js';
import { WebhookSender } from './webhook-sender.js';
import { WebhookSink } from './webhook-sink.js';
import { WebhookWorker } from './webhook-worker.js';

export interface DeliveryOptions {
  apiKey: string;
  apiSecret: string;
  retryScheduleMs: readonly number[];
  /** How long relayed events and settled deliveries are kept (replay reaches back this far). */
  retentionMs: number;
  /** Fallback polling for events committed on other nodes and for expired leases. */
  pollMs?: number;
  /**
   * How long a webhook or push claim holds without renewal (the node TTL); renewed every third of it while the
   * claim is worked on, so a dead node's claims are due again for other nodes within this.
   */
  leaseMs?: number;
  maxInFlight?: number;
  /** Waits before each push retry (shorter than webhooks': a late ring is worthless). */
  pushRetryScheduleMs: readonly number[];
  /** Which addresses webhooks, push services and Web Push endpoints may have. */
  outbound: OutboundPolicies;
  /** How host names are resolved (tests); the system resolver by default. */
  resolve?: Resolver;
}

const PURGE_EVERY_MS = 60 * 60 * 1000;

export class Delivery {
  readonly admin: DeliveryAdmin;
  private readonly sender: WebhookSender;
  private readonly worker: WebhookWorker;
  private readonly relayLoop: Loop;
  private readonly workerLoop: Loop;
  private readonly purgeLoop: Loop;
  private readonly pushLoop: Loop;
  private readonly renewLoop: Loop;
  private readonly pushWorker: PushWorker;
  private readonly pushProviders: ProviderPool;
  private readonly pushMetrics: PushMetrics;
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly store: Store,
    private readonly bus: EventBus,
    private readonly clock: Clock,
    logger: Logger,
    registry: Registry,
    options: DeliveryOptions,
  ) {
    const nowIso = () => clock.now().toISOString();
    const pollMs = options.pollMs ?? 1000;
    const deliveries = new DeliveryStore(store.db, store.dialect);
    const metrics = new DeliveryMetrics(
      registry,
      () => deliveries.oldestUndelivered(),
      () => clock.now().getTime(),
    );
    const maxInFlight = options.maxInFlight ?? 256;
    const leaseMs = options.leaseMs ?? 15_000;
    this.sender = new WebhookSender(
      options.apiKey,
      options.apiSecret,
      maxInFlight,
      options.outbound.operator,
      options.resolve,
    );
    this.pushProviders = new ProviderPool(options.outbound, options.resolve);
    this.worker = new WebhookWorker(
      store,
      this.sender,
      metrics,
      logger,
      () => clock.now(),
      { retryScheduleMs: options.retryScheduleMs, maxInFlight, leaseMs, fullClaimEveryMs: pollMs },
      () => this.workerLoop.wake(),
    );
    const wakeForNew = () => {
      this.worker.rescanAll();
      this.workerLoop.wake();
    };
    this.pushMetrics = new PushMetrics(registry);
    this.pushWorker = new PushWorker(store, this.pushProviders, this.pushMetrics, logger, () => clock.now(), {
      retryScheduleMs: options.pushRetryScheduleMs,
      batchSize: 500,
      leaseMs,
    });
    this.pushLoop = new Loop(() => this.pushWorker.step(), pollMs, loopFailure(logger, 'push worker failed'));
    const sinks = [new WebhookSink(store.dialect, wakeForNew), new PushSink(() => this.pushLoop.wake())];
    const relay = new OutboxRelay(store, sinks, nowIso);
    const batch = 500;
    this.relayLoop = new Loop(
      async () => ((await relay.relayBatch()) >= batch ? 'more' : pollMs),
      pollMs,
      loopFailure(logger, 'outbox relay failed'),
    );
    this.workerLoop = new Loop(() => this.worker.step(), pollMs, loopFailure(logger, 'webhook worker failed'));
    this.purgeLoop = new Loop(
      async () => {
        const cutoff = new Date(clock.now().getTime() - options.retentionMs).toISOString();
        const purged = await deliveries.purge(cutoff);
        if (purged.deliveries + purged.events > 0) logger.info(purged, 'purged delivered webhook history');
        return PURGE_EVERY_MS;
      },
      PURGE_EVERY_MS,
      loopFailure(logger, 'outbox purge failed'),
    );
    // Renewing well before the lease runs out: two renewals may fail (a database blip) before a claim is lost.
    const renewEveryMs = Math.max(10, Math.floor(leaseMs / 3));
    this.renewLoop = new Loop(
      async () => {
        await Promise.all([this.worker.renewLeases(), this.pushWorker.renewLeases()]);
        return renewEveryMs;
      },
      renewEveryMs,
      (err) => logger.warn({ err }, 'delivery lease renewal failed'),
    );
    this.admin = new DeliveryAdmin(store, nowIso, wakeForNew);
  }

  /** POST /push/test: sends the rendered template to one user's devices now (delivery/push/test-push.ts). */
  testPush(actor: Actor, request: TestPushRequest): Promise<TestPushResult[]> {
    return testPush(this.store, this.pushProviders, this.pushMetrics, this.clock.now(), actor, request);
  }

  async start(): Promise<void> {
    // On SQLite only this process delivers, so claims found at start were left by a process that died.
    if (this.store.dialect === 'sqlite') {
      await new DeliveryStore(this.store.db, 'sqlite').releaseAllClaims(this.clock.now().toISOString());
      await new PushStore(this.store.db, 'sqlite').releaseAllClaims();
    }
    // Every committed event rings the relay: fresh events go out without waiting for the poll.
    this.unsubscribe = this.bus.subscribe(() => this.relayLoop.wake());
    this.relayLoop.start();
    this.workerLoop.start();
    this.purgeLoop.start();
    this.pushLoop.start();
    this.renewLoop.start();
  }

  async close(): Promise<void> {
    this.unsubscribe?.();
    this.sender.abortAll();
    await Promise.all([this.relayLoop.stop(), this.workerLoop.stop(), this.purgeLoop.stop(), this.pushLoop.stop()]);
    // Leases are kept while the attempts in progress finish and their outcomes are recorded.
    await Promise.all([this.worker.drain(), this.pushWorker.drain()]);
    await this.renewLoop.stop();
    await this.pushProviders.close();
    await this.sender.close();
  }
}

/**
 * Logs a loop's failure: the database being unreachable is an outage the loop rides out (a warning, said once per
 * backoff step), anything else an error.
 */
function loopFailure(logger: Logger, what: string) {
  return (err: unknown, failures: number, retryInMs: number): void => {
    if (isDatabaseUnavailable(err)) {
      logger.warn({ failures, retryInMs, reason: describeUnavailable(err) }, `${what}: database unavailable, retrying`);
    } else {
      logger.error({ err, failures, retryInMs }, what);
    }
  };
}
