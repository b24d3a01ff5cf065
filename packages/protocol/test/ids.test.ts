/**
 * User id rules: the ids real apps use are accepted; only ids that are unsafe or ambiguous are refused.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isUserId, USER_ID_MAX_LENGTH } from '../src/ids.js';

describe('isUserId', () => {
  it('accepts spaces and printable Unicode', () => {
    for (const id of ['my friend', 'josé', '山田 太郎', '👩‍💻', 'a', '**', 'a*', 'x'.repeat(USER_ID_MAX_LENGTH)]) {
      assert.equal(isUserId(id), true, JSON.stringify(id));
    }
    assert.equal(isUserId('😀'.repeat(USER_ID_MAX_LENGTH)), true, 'the limit counts code points, not UTF-16 units');
  });

  it('refuses control characters, lone surrogates, outer whitespace, the wildcard and over-long ids', () => {
    const refused = [
      '',
      '*',
      ' jack',
      'jack ',
      '\tjack',
      'jack\u00a0',
      'a\nb',
      'a\u0000b',
      'a\u007fb',
      'a\u0085b',
      'sur\ud800',
      '\udc00x',
      'x'.repeat(USER_ID_MAX_LENGTH + 1),
      '😀'.repeat(USER_ID_MAX_LENGTH + 1),
    ];
    for (const id of refused) assert.equal(isUserId(id), false, JSON.stringify(id));
  });
});
