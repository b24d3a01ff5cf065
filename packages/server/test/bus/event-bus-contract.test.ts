/**
 * The EventBus contract (src/bus/event-bus.ts), one suite run against every implementation: the local bus (one
 * node) and the Redis bus (two nodes: two buses with their own node ids on one Redis channel namespace). For the
 * local bus "the other node" is the same bus. Then what only the Redis bus has: losing Redis and getting it back.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { CallEvent } from '@switchboard/protocol';
import pino from 'pino';
import type { ClusterNotice, EventBus } from '../../src/bus/event-bus.js';
import { LocalEventBus } from '../../src/bus/local-event-bus.js';
import { RedisEventBus } from '../../src/bus/redis-event-bus.js';
import { waitFor } from '../realtime/support.js';
import { OwnRedis, REDIS_URL, redisSkipReason } from '../support/redis.js';

interface Pair {
  /** The bus of the publishing node. */
  here: EventBus;
  /** The bus of another node of the same cluster (the same bus for the local implementation). */
  there: EventBus;
  failures: unknown[];
  close(): Promise<void>;
}

function redisBus(url: string, prefix: string, failures: unknown[]): Promise<RedisEventBus> {
  return RedisEventBus.connect({
    url,
    prefix,
    nodeId: randomUUID(),
    logger: pino({ level: 'silent' }),
    onListenerFailure: (err) => failures.push(err),
    commandTimeoutMs: 500,
  });
}

const IMPLEMENTATIONS: { name: string; skip: () => Promise<string | undefined>; open: () => Promise<Pair> }[] = [
  {
    name: 'local',
    skip: async () => undefined,
    open: async () => {
      const failures: unknown[] = [];
      const bus = new LocalEventBus((err) => failures.push(err));
      return { here: bus, there: bus, failures, close: () => bus.close() };
    },
  },
  {
    name: 'redis',
    skip: redisSkipReason,
    open: async () => {
      const failures: unknown[] = [];
      const prefix = `test-bus-${randomUUID()}`;
      const here = await redisBus(REDIS_URL, prefix, failures);
      const there = await redisBus(REDIS_URL, prefix, failures);
      return {
        here,
        there,
        failures,
        close: async () => {
          await here.close();
          await there.close();
        },
      };
    },
  },
];

let sequence = 0;
function event(cid = 'default:bus'): CallEvent {
  sequence += 1;
  return {
    type: 'custom',
    id: `e-${sequence}`,
    call_cid: cid,
    created_at: new Date().toISOString(),
  } as unknown as CallEvent;
}

/** Publishes a marker and waits until `there` delivered it: everything published before it was delivered too. */
async function settle(pair: Pair): Promise<void> {
  const marker = event('default:marker');
  let seen = false;
  const stop = pair.there.subscribe((e) => {
    if (e.id === marker.id) seen = true;
  });
  await pair.here.publish(marker);
  await waitFor(() => seen, 'the marker event');
  stop();
}

// Every await before the first describe: suites declared after the file's first turn would not run.
const skips = await Promise.all(IMPLEMENTATIONS.map((impl) => impl.skip()));
const redisSkip = await redisSkipReason();

for (const [i, impl] of IMPLEMENTATIONS.entries()) {
  const skip = skips[i];
  describe(`EventBus contract [${impl.name}]`, { skip }, () => {
    let pair: Pair;
    before(async () => {
      pair = await impl.open();
    });
    after(async () => {
      await pair.close();
    });

    it('delivers every event once, in publish order, to subscribers of the other node', async () => {
      const got: string[] = [];
      const stop = pair.there.subscribe((e) => {
        if (e.call_cid === 'default:order') got.push(String(e.id));
      });
      const sent = Array.from({ length: 500 }, () => event('default:order'));
      await Promise.all(sent.map((e) => pair.here.publish(e)));
      await settle(pair);
      stop();
      assert.deepEqual(
        got,
        sent.map((e) => e.id),
      );
    });

    it('delivers to subscribers of the publishing node synchronously, inside publish', async () => {
      const got: string[] = [];
      const stop = pair.here.subscribe((e) => got.push(String(e.id)));
      const e = event();
      const pending = pair.here.publish(e);
      assert.deepEqual(got, [e.id]);
      await pending;
      await settle(pair);
      stop();
      assert.equal(got.filter((id) => id === e.id).length, 1, 'not delivered again when it comes back');
    });

    it('isolates a throwing listener: the others still receive, the failure is reported', async () => {
      const got: string[] = [];
      const before = pair.failures.length;
      const stopBad = pair.there.subscribe(() => {
        throw new Error('listener bug');
      });
      const stopGood = pair.there.subscribe((e) => got.push(String(e.id)));
      const e = event();
      assert.doesNotThrow(() => pair.here.publish(e));
      await settle(pair);
      stopBad();
      stopGood();
      assert.ok(got.includes(String(e.id)));
      assert.ok(pair.failures.length > before);
    });

    it('stops delivering to a listener once unsubscribed', async () => {
      const got: string[] = [];
      const stop = pair.there.subscribe((e) => got.push(String(e.id)));
      stop();
      pair.here.publish(event());
      await settle(pair);
      assert.deepEqual(got, []);
    });

    it('runs local notice listeners before notify resolves and delivers notices to the other node in order with events', async () => {
      const order: string[] = [];
      let localDone = false;
      const stopThereNotice = pair.there.onNotice((n) => {
        if (n.kind === 'call_type_changed') order.push(`notice:${n.name}`);
      });
      const stopLocal = pair.here.onNotice(async () => {
        await new Promise((resolve) => setImmediate(resolve));
        localDone = true;
      });
      const stopThereEvent = pair.there.subscribe((e) => {
        if (e.call_cid === 'default:mixed') order.push(`event:${e.id}`);
      });
      const first = event('default:mixed');
      const notice: ClusterNotice = { kind: 'call_type_changed', name: 'ct', grants_changed: true };
      const last = event('default:mixed');
      pair.here.publish(first);
      const notified = pair.here.notify(notice);
      pair.here.publish(last);
      await notified;
      assert.equal(localDone, true);
      await settle(pair);
      await waitFor(() => order.length >= 3, 'the notice and both events');
      stopLocal();
      stopThereNotice();
      stopThereEvent();
      assert.deepEqual(order, [`event:${first.id}`, 'notice:ct', `event:${last.id}`]);
    });

    it('reports itself connected', () => {
      assert.equal(pair.here.connected(), true);
      assert.equal(pair.there.connected(), true);
    });
  });
}

describe('Redis bus: Redis restarts', { skip: redisSkip }, () => {
  let redis: OwnRedis;
  let here: RedisEventBus;
  let there: RedisEventBus;
  const failures: unknown[] = [];
  before(async () => {
    redis = await OwnRedis.start();
    const prefix = `test-restart-${randomUUID()}`;
    here = await redisBus(redis.url, prefix, failures);
    there = await redisBus(redis.url, prefix, failures);
  });
  after(async () => {
    await here?.close();
    await there?.close();
    await redis?.kill();
  });

  it('keeps publishing locally during the gap, reports the gap on reconnect and delivers again', async () => {
    const gaps = { here: 0, there: 0 };
    here.onGap(() => gaps.here++);
    there.onGap(() => gaps.there++);
    const seenThere = new Set<string>();
    const seenHere: string[] = [];
    there.subscribe((e) => seenThere.add(String(e.id)));
    here.subscribe((e) => seenHere.push(String(e.id)));

    await redis.kill();
    await waitFor(() => !here.connected() && !there.connected(), 'both buses to notice Redis is gone');
    const during = event();
    // Resolves (never rejects) while Redis is still down: Redis only comes back below, after this await, so a
    // publish that waited for it would never get there. No clock: how long "at once" takes depends on the load.
    await here.publish(during);
    assert.equal(here.connected(), false, 'publish resolved without Redis');
    assert.deepEqual(seenHere, [during.id], 'local subscribers still receive');

    await redis.restart();
    await waitFor(() => gaps.here > 0 && gaps.there > 0, 'both buses to report the gap', 10_000);
    await waitFor(() => here.connected() && there.connected(), 'both buses to reconnect', 10_000);
    // Re-subscribing follows the reconnect: publish until one gets through, then all later ones do, in order. A
    // probe arrives on the other connection some time after its publish resolved: any probe arriving counts.
    const probes: string[] = [];
    await waitFor(
      async () => {
        const probe = event();
        probes.push(String(probe.id));
        await here.publish(probe);
        return probes.some((id) => seenThere.has(id)) || undefined;
      },
      'delivery to resume',
      10_000,
    );
    const after = Array.from({ length: 50 }, () => event());
    for (const e of after) here.publish(e);
    await waitFor(() => after.every((e) => seenThere.has(String(e.id))), 'every event after the restart');
    assert.equal(seenThere.has(String(during.id)), false, 'what was published during the gap is lost to other nodes');
  });
});
