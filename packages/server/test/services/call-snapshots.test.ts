/** The snapshot cache's rules, on its own: store, drop, the epoch check against stale loads, read-through scans. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type CallSnapshot, CallSnapshotCache, estimateSnapshotBytes } from '../../src/services/call-snapshots.js';

/** A snapshot created by `creator`, with these session participants and members (by user id). */
function snapshot(
  cid: string,
  version: number,
  users: { creator?: string; participants?: string[]; members?: string[] } = {},
): CallSnapshot {
  const user = (id: string) => ({ id });
  const participants = (users.participants ?? []).map((id) => ({ user: user(id) }));
  const members = (users.members ?? []).map((id) => ({ user_id: id, user: user(id) }));
  return {
    row: { cid, custom: `${version}` } as CallSnapshot['row'],
    model: {
      created_by: user(users.creator ?? 'creator'),
      session: { participants },
    } as unknown as CallSnapshot['model'],
    newestMembers: members as unknown as CallSnapshot['newestMembers'],
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

  it('drops, for a user, only the calls that show that user (creator, participant or member)', async () => {
    const cache = new CallSnapshotCache();
    await cache.read('t:created', async () => snapshot('t:created', 1, { creator: 'u' }));
    await cache.read('t:joined', async () => snapshot('t:joined', 1, { participants: ['u'] }));
    await cache.read('t:member', async () => snapshot('t:member', 1, { members: ['u'] }));
    await cache.read('t:other', async () => snapshot('t:other', 1, { members: ['v'], participants: ['w'] }));
    cache.invalidateUsers(['u']);
    for (const cid of ['t:created', 't:joined', 't:member']) assert.equal(cache.cached(cid), undefined, cid);
    assert.ok(cache.cached('t:other'));
    // A call reloaded without the user no longer lists it: the user's next change leaves it cached.
    await cache.read('t:member', async () => snapshot('t:member', 2, { members: ['v'] }));
    cache.invalidateUsers(['u']);
    assert.ok(cache.cached('t:member'));
    cache.invalidateUsers(['v']);
    assert.equal(cache.cached('t:member'), undefined);
    assert.equal(cache.cached('t:other'), undefined);
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

describe('CallSnapshotCache bounds', () => {
  const large = (cid: string, kilobytes: number): CallSnapshot => ({
    ...snapshot(cid, 1),
    model: {
      ...snapshot(cid, 1).model,
      cid,
      custom: { blob: 'x'.repeat(kilobytes * 1024) },
    } as unknown as CallSnapshot['model'],
  });

  it('keeps its estimated bytes under the bound while many large calls are read, and keeps the hot call', async () => {
    const maxBytes = 2 * 1024 * 1024;
    const cache = new CallSnapshotCache({ maxEntries: 10_000, maxBytes });
    let hotLoads = 0;
    const hot = async () => {
      hotLoads++;
      return large('t:hot', 100);
    };
    await cache.read('t:hot', hot);
    for (let i = 0; i < 200; i++) {
      await cache.read(`t:cold-${i}`, async () => large(`t:cold-${i}`, 100));
      await cache.read('t:hot', hot); // read between every cold call: the least recently read go first
      assert.ok(cache.usage.bytes <= maxBytes, `bytes ${cache.usage.bytes} over the bound after ${i + 1} calls`);
    }
    assert.equal(hotLoads, 1, 'the hot call stayed cached');
    assert.ok(cache.usage.entries < 20, `only what fits in 2 MB is kept, got ${cache.usage.entries}`);
    assert.ok(estimateSnapshotBytes(large('t:x', 100)) >= 200 * 1024, 'the estimate counts the custom data');
  });

  it('bounds the number of entries, evicting the least recently read', async () => {
    const cache = new CallSnapshotCache({ maxEntries: 3, maxBytes: 1024 * 1024 });
    for (const id of ['a', 'b', 'c']) await cache.read(`t:${id}`, async () => snapshot(`t:${id}`, 1));
    await cache.read('t:a', async () => snapshot('t:a', 2)); // a is now the most recent
    await cache.read('t:d', async () => snapshot('t:d', 1)); // evicts b
    assert.equal(cache.usage.entries, 3);
    assert.equal((await cache.read('t:a', async () => snapshot('t:a', 3)))?.row.custom, '1', 'a kept');
    assert.equal((await cache.read('t:b', async () => snapshot('t:b', 2)))?.row.custom, '2', 'b reloaded');
  });

  it('answers a snapshot larger than the whole bound without keeping it', async () => {
    const cache = new CallSnapshotCache({ maxEntries: 10, maxBytes: 64 * 1024 });
    assert.ok(await cache.read('t:big', async () => large('t:big', 100)));
    assert.deepEqual(cache.usage, { entries: 0, bytes: 0 });
  });
});
