/**
 * The reply serializer against its oracle, JSON.stringify: same text for any JSON body, whichever of its parts are
 * frozen (and so memoized), on first and repeated serialization.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { deepFreeze } from '../../src/domain/deep-freeze.js';
import { serializeReply } from '../../src/http/json-reply.js';

/** A JSON value; `undefined` properties included, since JSON.stringify drops them and so must we. */
const jsonValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null),
    fc.boolean(),
    fc.double({ noNaN: false }),
    fc.string({ unit: 'grapheme' }),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.string(), fc.option(tie('value'), { nil: undefined }), { maxKeys: 4 }),
  ),
})).value;

/** A body: an object whose values are each, by coin flip, deep-frozen. */
const body = fc.dictionary(
  fc.string(),
  fc.tuple(fc.option(jsonValue, { nil: undefined }), fc.boolean()).map(([v, freeze]) => (freeze ? deepFreeze(v) : v)),
  { maxKeys: 6 },
);

describe('serializeReply', () => {
  it('writes what JSON.stringify writes, first time and again (frozen parts memoized)', () => {
    fc.assert(
      fc.property(body, (payload) => {
        const expected = JSON.stringify(payload);
        assert.equal(serializeReply(payload), expected);
        assert.equal(serializeReply({ ...payload }), expected);
      }),
      { numRuns: 2000 },
    );
  });

  it('with a duration, writes what JSON.stringify writes of the body with `duration` last', () => {
    fc.assert(
      fc.property(body, fc.string(), (payload, duration) => {
        const { duration: _ignored, ...rest } = payload;
        assert.equal(serializeReply(payload, duration), JSON.stringify({ ...rest, duration }));
      }),
      { numRuns: 1000 },
    );
  });

  it('handles bodies that are not plain objects, and wholly frozen bodies', () => {
    for (const payload of [null, 1, 'text', [1, { a: 2 }], deepFreeze({ a: [1, 2], b: { c: null } }), {}]) {
      assert.equal(serializeReply(payload), JSON.stringify(payload));
    }
  });

  it('a deep-frozen value refuses changes, so its memoized text cannot go stale', () => {
    const shared = deepFreeze({ settings: { audio: { mic_default_on: true } }, members: [{ user_id: 'a' }] });
    assert.equal(serializeReply({ call: shared }), JSON.stringify({ call: shared }));
    assert.throws(() => {
      (shared.settings.audio as { mic_default_on: boolean }).mic_default_on = false;
    }, TypeError);
    assert.throws(() => (shared.members as unknown[]).push({ user_id: 'b' }), TypeError);
    assert.equal(
      serializeReply({ call: shared }),
      '{"call":{"settings":{"audio":{"mic_default_on":true}},"members":[{"user_id":"a"}]}}',
    );
  });
});
