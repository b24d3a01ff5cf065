/** The per-participant offer budget (pure logic, on a fake clock). */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { TokenBucket } from '../../src/media/embedded/token-bucket.js';

it('a token bucket gives its burst at once, then one token per interval, never more than the burst', () => {
  let now = 0;
  const bucket = new TokenBucket({ burst: 3, refillMs: 1000 }, () => now);
  assert.deepEqual([bucket.take(), bucket.take(), bucket.take(), bucket.take()], [true, true, true, false]);
  now = 999;
  assert.equal(bucket.take(), false);
  now = 1000;
  assert.equal(bucket.take(), true);
  assert.equal(bucket.take(), false);
  now = 60_000;
  assert.deepEqual([bucket.take(), bucket.take(), bucket.take(), bucket.take()], [true, true, true, false]);
});
