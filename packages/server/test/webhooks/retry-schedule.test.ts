/** The retry schedule (pure): waits per failed attempt with ±20% jitter, dead letter after the last, parsing. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_RETRY_SCHEDULE_MS, parseRetrySchedule, retryDelay } from '../../src/delivery/retry-schedule.js';

describe('retry schedule', () => {
  it('waits the scheduled time, jittered within ±20%, and gives up after the last entry', () => {
    const schedule = [100, 200, 400];
    assert.equal(retryDelay(schedule, 1, 0.5), 100);
    assert.equal(retryDelay(schedule, 2, 0), 160);
    assert.equal(retryDelay(schedule, 3, 0.999999), 480);
    assert.equal(retryDelay(schedule, 4, 0.5), undefined, 'schedule used up: dead letter');
  });

  it('spans about a day over a dozen retries by default, each wait no shorter than the one before', () => {
    const total = DEFAULT_RETRY_SCHEDULE_MS.reduce((a, b) => a + b, 0);
    assert.ok(total >= 20 * 3600_000 && total <= 30 * 3600_000, `total ${total / 3600_000} h`);
    assert.equal(DEFAULT_RETRY_SCHEDULE_MS.length, 12);
    for (let i = 1; i < DEFAULT_RETRY_SCHEDULE_MS.length; i++) {
      assert.ok((DEFAULT_RETRY_SCHEDULE_MS[i] as number) >= (DEFAULT_RETRY_SCHEDULE_MS[i - 1] as number));
    }
  });

  it('parses comma-separated milliseconds and names the setting on anything else', () => {
    assert.deepEqual(parseRetrySchedule('100,200, 400'), [100, 200, 400]);
    for (const bad of ['', '100,,200', '-1', '1.5', 'soon', '100,abc']) {
      assert.throws(() => parseRetrySchedule(bad), /SWITCHBOARD_WEBHOOK_RETRY_SCHEDULE_MS/, bad);
    }
  });
});
