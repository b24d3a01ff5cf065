/** The settings deep merge (domain/settings.ts): pure, own properties only. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deepMerge } from '../../src/domain/settings.js';

describe('settings deep merge', () => {
  it('merges objects key by key, replaces arrays and scalars, skips undefined, mutates nothing', () => {
    const base = { a: { x: 1, y: [1, 2] }, b: 'keep', c: 3 };
    const patch = { a: { y: [3] }, b: undefined, c: 4, d: { new: true } };
    const merged = deepMerge(base, patch);
    assert.deepEqual(merged, { a: { x: 1, y: [3] }, b: 'keep', c: 4, d: { new: true } });
    assert.deepEqual(base, { a: { x: 1, y: [1, 2] }, b: 'keep', c: 3 });
  });

  it('keeps keys named after Object.prototype members as plain data', () => {
    // JSON.parse defines own `__proto__` properties, as a request body does.
    const patch = JSON.parse('{"__proto__":{"polluted":true},"constructor":{"a":1},"toString":"x"}');
    const merged = deepMerge({ constructor: { b: 2 }, kept: 1 }, patch) as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(merged), Object.prototype, 'the prototype is untouched');
    assert.equal((merged as { polluted?: unknown }).polluted, undefined);
    assert.deepEqual(Object.keys(merged).sort(), ['__proto__', 'constructor', 'kept', 'toString']);
    assert.deepEqual(Object.getOwnPropertyDescriptor(merged, '__proto__')?.value, { polluted: true });
    assert.deepEqual(merged.constructor, { b: 2, a: 1 });
    assert.equal(merged.toString, 'x');
    assert.equal(
      JSON.stringify(merged),
      '{"constructor":{"b":2,"a":1},"kept":1,"__proto__":{"polluted":true},"toString":"x"}',
    );
  });
});
