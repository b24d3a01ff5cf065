/**
 * The SFU's input checks: well-formed messages pass with only their known fields; anything else is refused with a
 * code the client can branch on, never an exception.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseClientMessage, SFU_LIMITS } from '../src/sfu/index.js';

const parse = (m: unknown) => parseClientMessage(JSON.stringify(m));

describe('parseClientMessage', () => {
  it('accepts each client message type and drops unknown fields', () => {
    const join = parse({ v: 1, type: 'join', token: 't', extra: 1 });
    assert.deepEqual(join, { ok: true, message: { v: 1, type: 'join', token: 't' } });
    const offer = parse({ v: 1, type: 'offer', pc: 'publisher', sdp: 'v=0', tracks: [{ mid: '0', source: 'audio' }] });
    assert.equal(offer.ok, true);
    assert.equal(parse({ v: 1, type: 'answer', pc: 'subscriber', sdp: 'v=0' }).ok, true);
    assert.equal(parse({ v: 1, type: 'ice', pc: 'subscriber', candidate: null }).ok, true);
    assert.equal(parse({ v: 1, type: 'ice', pc: 'publisher', candidate: { candidate: 'c', sdpMid: '0' } }).ok, true);
    assert.equal(parse({ v: 1, type: 'mute', source: 'video', muted: true }).ok, true);
    assert.equal(parse({ v: 1, type: 'quality', tracks: [{ track_id: 'x', width: 320 }] }).ok, true);
    assert.equal(parse({ v: 1, type: 'leave' }).ok, true);
  });

  it('refuses bad input with a code', () => {
    const cases: [unknown, string][] = [
      [{ v: 2, type: 'join', token: 't' }, 'unsupported_version'],
      [{ v: 1, type: 'nope' }, 'invalid_message'],
      [[1], 'invalid_message'],
      [{ v: 1, type: 'join', token: '' }, 'invalid_message'],
      [{ v: 1, type: 'join', token: 'x'.repeat(SFU_LIMITS.maxTokenChars + 1) }, 'invalid_message'],
      [{ v: 1, type: 'offer', pc: 'subscriber', sdp: 'v=0', tracks: [] }, 'invalid_message'],
      [
        { v: 1, type: 'offer', pc: 'publisher', sdp: 'v=0', tracks: [{ mid: '0', source: 'smell' }] },
        'invalid_message',
      ],
      [
        {
          v: 1,
          type: 'offer',
          pc: 'publisher',
          sdp: 'v=0',
          tracks: [
            { mid: '0', source: 'audio' },
            { mid: '1', source: 'audio' },
          ],
        },
        'invalid_message',
      ],
      [{ v: 1, type: 'ice', pc: 'publisher' }, 'invalid_message'],
      [{ v: 1, type: 'mute', source: 'audio', muted: 'yes' }, 'invalid_message'],
      [{ v: 1, type: 'quality', tracks: [{ track_id: 'x', width: -1 }] }, 'invalid_message'],
    ];
    for (const [input, code] of cases) {
      const result = parse(input);
      assert.equal(result.ok, false, JSON.stringify(input));
      if (!result.ok) assert.equal(result.code, code, JSON.stringify(input));
    }
    const notJson = parseClientMessage('{');
    assert.equal(notJson.ok, false);
    const tooBig = parseClientMessage(' '.repeat(SFU_LIMITS.maxMessageBytes + 1));
    assert.equal(tooBig.ok, false);
  });
});
