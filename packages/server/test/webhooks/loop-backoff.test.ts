/**
 * The delivery loops (delivery/wakeup.ts `Loop`) while their step keeps failing, as it does while the database is
 * away: each failure is reported with a growing backoff, wakes (one per committed event) do not turn the backoff
 * into a busy retry, the loop resumes by itself once the step succeeds again, and `stop` ends a backoff at once.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { Loop } from '../../src/delivery/wakeup.js';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe('Loop backoff', () => {
  // The loop's timers are unref'd (they must not keep a server process alive): this keeps the test's alive.
  let keepAlive: NodeJS.Timeout;
  beforeEach(() => {
    keepAlive = setInterval(() => {}, 1000);
  });
  afterEach(() => clearInterval(keepAlive));

  it('backs off on consecutive failures, ignores wakes meanwhile, and recovers', async () => {
    let steps = 0;
    let failing = true;
    const reports: { failures: number; retryInMs: number }[] = [];
    const recovered = deferred();
    const thirdFailure = deferred();
    const loop = new Loop(
      async () => {
        steps += 1;
        if (failing) throw new Error('Connection terminated unexpectedly');
        recovered.resolve();
        return 60_000;
      },
      60_000,
      (_err, failures, retryInMs) => {
        reports.push({ failures, retryInMs });
        if (failures === 3) thirdFailure.resolve();
      },
      { baseMs: 5, maxMs: 40 },
    );
    loop.start();
    await thirdFailure.promise;
    // A burst of wakes during the backoff: none of them runs the step early.
    const stepsBefore = steps;
    for (let i = 0; i < 100; i++) loop.wake();
    await Promise.resolve();
    assert.equal(steps, stepsBefore);
    failing = false;
    await recovered.promise;
    await loop.stop();
    assert.deepEqual(
      reports.slice(0, 3).map((r) => r.failures),
      [1, 2, 3],
    );
    for (const { failures, retryInMs } of reports) {
      const cap = Math.min(40, 5 * 2 ** (failures - 1));
      assert.ok(retryInMs >= cap / 2 && retryInMs <= cap, `${failures}: ${retryInMs}`);
    }
  });

  it('stop ends a long backoff at once', async () => {
    const failed = deferred();
    const loop = new Loop(
      async () => {
        throw new Error('ECONNREFUSED');
      },
      1000,
      () => failed.resolve(),
      { baseMs: 3_600_000, maxMs: 3_600_000 },
    );
    loop.start();
    await failed.promise;
    await loop.stop(); // would hang for an hour if the backoff ignored stop
  });
});
