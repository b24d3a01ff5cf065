/** One connection's watches are bounded (issue 8, finding 7): past the bound the oldest watch is dropped. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Connection } from '../../src/realtime/connection.js';
import { ConnectionRegistry, MAX_WATCHED_CALLS } from '../../src/realtime/connection-registry.js';

describe('ConnectionRegistry watch bound', () => {
  it('keeps at most MAX_WATCHED_CALLS watches per connection, dropping the oldest', () => {
    const registry = new ConnectionRegistry();
    const connection = { id: 'c1', userId: 'u1', watching: new Set<string>() } as unknown as Connection;
    registry.add(connection);
    const cids = Array.from({ length: MAX_WATCHED_CALLS + 5 }, (_, i) => `default:w${i}`);
    registry.watch(connection, cids.slice(0, MAX_WATCHED_CALLS));
    registry.watch(connection, [cids[0]!]); // watching again does not evict anything
    assert.equal(connection.watching.size, MAX_WATCHED_CALLS);
    registry.watch(connection, cids.slice(MAX_WATCHED_CALLS));
    assert.equal(connection.watching.size, MAX_WATCHED_CALLS);
    for (let i = 0; i < 5; i++) assert.equal(registry.watchersOf(cids[i]!).size, 0, `oldest watch ${i} dropped`);
    assert.ok(registry.watchersOf(cids[MAX_WATCHED_CALLS + 4]!).has(connection), 'newest watch kept');
    assert.ok(registry.watchersOf(cids[5]!).has(connection));
  });
});
