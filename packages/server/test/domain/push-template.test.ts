import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Call } from '@switchboard/protocol';
import { MAX_RENDERED_LENGTH, renderTemplate } from '../../src/domain/push-template.js';
import { hasLoneSurrogate } from '../../src/domain/unicode.js';

const call = { id: 'c1', custom: {} } as unknown as Call;
const user = (name: string) => ({ id: 'u1', name }) as never;

describe('push template rendering', () => {
  it('cuts a long text on a code point, never leaving half a surrogate pair', () => {
    // 1,023 ASCII units, then an emoji (two UTF-16 units) that straddles the limit.
    const name = `${'a'.repeat(MAX_RENDERED_LENGTH - 1)}😀tail`;
    const out = renderTemplate('{{ user.name }}', { call, user: user(name) });
    assert.equal(out, 'a'.repeat(MAX_RENDERED_LENGTH - 1));
    assert.equal(hasLoneSurrogate(out), false);
  });

  it('keeps a surrogate pair that ends exactly at the limit', () => {
    const name = `${'a'.repeat(MAX_RENDERED_LENGTH - 2)}😀tail`;
    const out = renderTemplate('{{ user.name }}', { call, user: user(name) });
    assert.equal(out.length, MAX_RENDERED_LENGTH);
    assert.equal(out.endsWith('😀'), true);
  });

  it('drops bidirectional overrides, embeddings, isolates and marks from rendered names', () => {
    const out = renderTemplate('{{ user.name }} is calling you', {
      call,
      user: user('\u202Eevil\u202C\u2066x\u2069\u200F\u061C'),
    });
    assert.equal(out, 'evilx is calling you');
  });
});
