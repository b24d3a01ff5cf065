/**
 * Per-node caches a client can fill stay bounded (issue 8, findings 1 and 7) and user writes clear the call
 * snapshots (finding 14): on a started node, on both databases.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertApiError, seedUsers } from '../support/api-assert.js';
import { testDialects } from '../support/databases.js';
import { raw } from '../support/raw-http.js';
import { startTestNode, type TestNode } from '../support/test-node.js';

const SNAPSHOT_BYTES = 96 * 1024;

for (const dialect of await testDialects()) {
  describe(`bounded caches [${dialect}]`, () => {
    let t: TestNode;
    before(async () => {
      t = await startTestNode(dialect, { config: { snapshotCacheBytes: SNAPSHOT_BYTES, callTypeCacheEntries: 50 } });
      await seedUsers(t, 'owner');
    });
    after(() => t.stop());

    it('the call snapshot cache stays under its byte bound while many calls with large custom data are read', async () => {
      const custom = { blob: 'x'.repeat(2000) }; // a few KB, within what a call may store
      for (let i = 0; i < 60; i++) {
        const res = await raw(t, 'POST', `/api/v2/video/call/default/big-${i}`, {
          body: { data: { created_by_id: 'owner', custom: { ...custom, i } } },
        });
        assert.equal(res.status, 200, String(res.body.message));
        assert.equal(res.body.created, true);
      }
      let peak = 0;
      for (let round = 0; round < 2; round++) {
        for (let i = 0; i < 60; i++) {
          const res = await raw(t, 'GET', `/api/v2/video/call/default/big-${i}`);
          assert.equal(res.status, 200);
          assert.equal((res.body.call as { custom: { i: number } }).custom.i, i, 'each read answers its own call');
          peak = Math.max(peak, t.node.ctx.snapshots.usage.bytes);
        }
      }
      assert.ok(peak <= SNAPSHOT_BYTES, `peak ${peak} bytes over the bound ${SNAPSHOT_BYTES}`);
      assert.ok(peak > SNAPSHOT_BYTES / 2, `the cache was used (peak ${peak} bytes)`);
      assert.ok(t.node.ctx.snapshots.usage.entries < 60, 'not every call is kept');
    });

    it('requests for unknown call types do not grow the call type cache', async () => {
      const before = t.node.ctx.callTypes.size;
      for (let i = 0; i < 300; i++) {
        const res = await raw(t, 'GET', `/api/v2/video/call/no-such-type-${i}/x`, {
          token: null,
          headers: { 'stream-auth-type': 'anonymous' },
        });
        assert.ok(res.status >= 400 && res.status < 500, `4xx for an unknown type, got ${res.status}`);
      }
      assert.ok(t.node.ctx.callTypes.size <= before + 0, `misses were cached: ${t.node.ctx.callTypes.size}`);
      // Existing types are cached, up to the bound.
      for (let i = 0; i < 60; i++) {
        const res = await raw(t, 'POST', '/api/v2/video/calltypes', { body: { name: `type${i}`, grants: {} } });
        assert.equal(res.status, 201, String(res.body.message));
        await raw(t, 'GET', `/api/v2/video/call/type${i}/x`);
      }
      assert.ok(t.node.ctx.callTypes.size <= 50, `bounded at 50, got ${t.node.ctx.callTypes.size}`);
      const res = await raw(t, 'GET', '/api/v2/video/call/no-such-type/x');
      assertApiError(res, 404, 16);
    });

    it('UpsertUsers drops the cached calls: GetCall shows the new user name at once', async () => {
      await raw(t, 'POST', '/api/v2/users', { body: { users: { renamed: { id: 'renamed', name: 'Before' } } } });
      const created = await raw(t, 'POST', '/api/v2/video/call/default/upsert-name', {
        body: { data: { created_by_id: 'renamed', members: [{ user_id: 'renamed' }] } },
      });
      assert.equal(created.status, 200, String(created.body.message));
      const cached = await raw(t, 'GET', '/api/v2/video/call/default/upsert-name');
      assert.equal((cached.body.call as { created_by: { name: string } }).created_by.name, 'Before');
      const upsert = await raw(t, 'POST', '/api/v2/users', {
        body: { users: { renamed: { id: 'renamed', name: 'After' } } },
      });
      assert.equal(upsert.status, 200);
      const res = await raw(t, 'GET', '/api/v2/video/call/default/upsert-name');
      assert.equal((res.body.call as { created_by: { name: string } }).created_by.name, 'After');
      const members = res.body.members as { user_id: string; user: { name: string } }[];
      assert.equal(members.find((m) => m.user_id === 'renamed')?.user.name, 'After');
    });
  });
}
