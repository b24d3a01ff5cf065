/** The event size bound on its own (services/event-size.ts): pure, tested on data. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CallEvent } from '@switchboard/protocol';
import { ApiError } from '../../src/domain/errors.js';
import { eventBytes, fitEvent } from '../../src/services/event-size.js';

/** A custom event whose call embeds `n` participants of about `kb` KB each. */
function event(n: number, kb: number, customKb = 0): CallEvent {
  const participants = Array.from({ length: n }, (_, i) => ({
    user: { id: `u${i}`, custom: { blob: 'p'.repeat(kb * 1024) } },
    user_session_id: `s${i}`,
    role: 'user',
  }));
  return {
    type: 'custom',
    call_cid: 'default:c',
    call: { cid: 'default:c', session: { participants, participants_count_by_role: { user: n } } },
    custom: { blob: 'c'.repeat(customKb * 1024) },
  } as unknown as CallEvent;
}

describe('fitEvent', () => {
  it('returns an event under the bound as it is, and any event when the bound is 0', () => {
    const small = event(3, 1);
    assert.equal(fitEvent(small, 64 * 1024), small);
    const big = event(25, 10);
    assert.equal(fitEvent(big, 0), big);
  });

  it('drops embedded participants from the end until the event fits, keeping the counts', () => {
    const big = event(25, 10);
    const fitted = fitEvent(big, 64 * 1024);
    assert.ok(eventBytes(fitted) <= 64 * 1024);
    const kept = fitted.call.session?.participants ?? [];
    assert.ok(kept.length > 0 && kept.length < 25, `${kept.length} kept`);
    assert.deepEqual(
      kept.map((p) => p.user.id),
      big.call.session?.participants.slice(0, kept.length).map((p) => p.user.id),
      'the oldest ones stay',
    );
    assert.deepEqual(fitted.call.session?.participants_count_by_role, { user: 25 });
    assert.equal(big.call.session?.participants.length, 25, 'the original event is not changed');
  });

  it('refuses with code 4 what does not fit even without participants', () => {
    assert.throws(
      () => fitEvent(event(2, 1, 70), 64 * 1024),
      (err: unknown) => err instanceof ApiError && err.code === 4 && /65536-byte limit/.test(err.message),
    );
  });
});
