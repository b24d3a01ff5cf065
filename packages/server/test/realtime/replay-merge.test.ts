/** The join of a resume's replay to live events (realtime/replay-merge.ts): no gap, no duplicate, call order kept. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ReplayMerge } from '../../src/realtime/replay-merge.js';

const data = (id: string) => Buffer.from(id);
const text = (buffers: Buffer[]) => buffers.map((b) => b.toString());

describe('ReplayMerge', () => {
  it('holds live events during the replay and flushes them after it, minus those the replay sent', () => {
    const merge = new ReplayMerge(1024);
    assert.equal(merge.live('b', data('b')), 'held');
    assert.equal(merge.live('d', data('d')), 'held');
    // The replay read a, b and c (b also arrived live): the replay's copy goes out in its place.
    assert.equal(merge.replay('a'), true);
    assert.equal(merge.replay('b'), true);
    assert.equal(merge.replay('c'), true);
    assert.deepEqual(text(merge.finish()), ['d']);
    assert.equal(merge.replaying, false);
    assert.equal(merge.live('e', data('e')), 'send');
  });

  it('a live copy of a replayed event that comes after the flush is dropped once, then ids are forgotten', () => {
    const merge = new ReplayMerge(1024);
    merge.replay('a');
    merge.finish();
    assert.equal(merge.live('a', data('a')), 'duplicate');
    assert.equal(merge.live('a', data('a')), 'send', 'each replayed id matches one live copy');
    merge.replay('x');
    merge.forgetReplayed();
    assert.equal(merge.live('x', data('x')), 'send');
  });

  it('the replay never sends one id twice; events without an id always pass', () => {
    const merge = new ReplayMerge(1024);
    assert.equal(merge.replay('a'), true);
    assert.equal(merge.replay('a'), false);
    assert.equal(merge.replay(undefined), true);
    assert.equal(merge.live(undefined, data('n')), 'held');
    assert.deepEqual(text(merge.finish()), ['n']);
  });

  it('held live events past the byte bound overflow (the connection is closed and resumes again)', () => {
    const merge = new ReplayMerge(5);
    assert.equal(merge.live('a', data('aaa')), 'held');
    assert.equal(merge.live('b', data('bbb')), 'overflow');
  });
});
