/** The snapshot cache's rules, on its own: store, drop, the epoch check against stale loads, read-through scans. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type CallSnapshot, CallSnapshotCache } from '../../src/services/call-snapshots.js';

function snapshot(cid: string, version: number): CallSnapshot {
  return {
    row: { cid, custom: `${version}` } as CallSnapshot['row'],
    model: {} as CallSnapshot['model'],
    newestMembers: [],
    defaultPage: [],
    allMembersKnown: true,
  };
}

describe('CallSnapshotCache', () => {
  it('stores a load and answers from it until the call is invalidated', async () => {
    const cache = new CallSnapshotCache();
    let loads = 0;
    const load = async () => snapshot('t:a', ++loads);
    await cache.read('t:a', load);
    assert.equal((await cache.read('t:a', load))?.row.custom, '1');
    cache.invalidate('t:a');
    assert.equal((await cache.read('t:a', load))?.row.custom, '2');
    assert.equal(loads, 2);
  });

  it('does not store a load that overlapped an invalidation (it may hold the state from before the change)', async () => {
    const cache = new CallSnapshotCache();
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const slow = cache.read('t:a', async () => {
      await gate;
      return snapshot('t:a', 1);
    });
    cache.invalidate('t:a'); // a write committed while the slow read was in flight
    release();
    assert.equal((await slow)?.row.custom, '1', 'the reader still gets its answer');
    assert.equal((await cache.read('t:a', async () => snapshot('t:a', 2)))?.row.custom, '2', 'but it was not kept');
  });

  it('reads through without storing when asked not to keep (scans)', async () => {
    const cache = new CallSnapshotCache();
    await cache.read('t:a', async () => snapshot('t:a', 1), { keep: false });
    assert.equal((await cache.read('t:a', async () => snapshot('t:a', 2)))?.row.custom, '2');
    assert.equal((await cache.read('t:a', async () => snapshot('t:a', 3), { keep: false }))?.row.custom, '2');
  });

  it('clear drops every call', async () => {
    const cache = new CallSnapshotCache();
    await cache.read('t:a', async () => snapshot('t:a', 1));
    await cache.read('t:b', async () => snapshot('t:b', 1));
    cache.clear();
    assert.equal((await cache.read('t:a', async () => snapshot('t:a', 2)))?.row.custom, '2');
    assert.equal((await cache.read('t:b', async () => snapshot('t:b', 2)))?.row.custom, '2');
  });
});
