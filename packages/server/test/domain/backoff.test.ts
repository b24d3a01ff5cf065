/** The retry backoff of the background loops: exponential, capped, jittered within [cap/2, cap]. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backoffDelay } from '../../src/domain/backoff.js';

describe('backoffDelay', () => {
  const policy = { baseMs: 100, maxMs: 1000 };

  it('doubles per consecutive failure up to the cap', () => {
    assert.deepEqual(
      [1, 2, 3, 4, 5, 50].map((n) => backoffDelay(n, policy, 0.999999)),
      [100, 200, 400, 800, 1000, 1000],
    );
  });

  it('jitters between half the cap and the cap', () => {
    assert.equal(backoffDelay(3, policy, 0), 200);
    assert.equal(backoffDelay(3, policy, 0.5), 300);
    assert.equal(backoffDelay(50, policy, 0), 500);
    assert.equal(backoffDelay(0, policy, 0), 50);
  });

  it('spreads retries of many nodes that failed together', () => {
    const delays = new Set(Array.from({ length: 50 }, () => backoffDelay(6, policy)));
    assert.ok(delays.size > 10, `only ${delays.size} distinct delays`);
    for (const d of delays) assert.ok(d >= 500 && d <= 1000, String(d));
  });
});
