/** The SDK's reconnect backoff (src/realtime/reconnect-delay.ts). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DRAIN_FAST_RETRY_WINDOW_MS, DRAIN_RETRY_CAP_MS, reconnectDelayMs } from '../src/realtime/reconnect-delay.js';

const defaults = { initialMs: 250, maxMs: 10_000 };

describe('reconnectDelayMs', () => {
  it('doubles per failed attempt, with jitter between half and all of the base, up to the maximum', () => {
    assert.equal(reconnectDelayMs({ ...defaults, attempt: 0, random: 0 }), 125);
    assert.equal(reconnectDelayMs({ ...defaults, attempt: 3, random: 0.999999 }) > 1999, true);
    assert.equal(reconnectDelayMs({ ...defaults, attempt: 3, random: 0 }), 1000);
    assert.equal(reconnectDelayMs({ ...defaults, attempt: 10, random: 0 }), 5000);
    assert.equal(reconnectDelayMs({ ...defaults, attempt: 0, now: true, random: 0.5 }), 0);
  });

  it('after a drain, retries stay short while other nodes take over, however many attempts failed', () => {
    const first = reconnectDelayMs({ ...defaults, attempt: 0, sinceDrainMs: 0, random: 0.2 });
    assert.equal(first, 50, 'the first retry is spread over the initial delay');
    for (let attempt = 1; attempt < 30; attempt++) {
      const delay = reconnectDelayMs({ ...defaults, attempt, sinceDrainMs: 5_000, random: 0.999999 });
      assert.ok(delay <= DRAIN_RETRY_CAP_MS, `attempt ${attempt}: ${delay} ms`);
    }
  });

  it('falls back to the usual backoff once the drain is long past (the whole cluster may be down)', () => {
    const delay = reconnectDelayMs({ ...defaults, attempt: 10, sinceDrainMs: DRAIN_FAST_RETRY_WINDOW_MS, random: 0 });
    assert.equal(delay, 5000);
  });

  it('never waits longer than the configured maximum, even below the drain cap', () => {
    const delay = reconnectDelayMs({ initialMs: 20, maxMs: 100, attempt: 8, sinceDrainMs: 10, random: 0.999999 });
    assert.ok(delay <= 100, `${delay}`);
  });
});
