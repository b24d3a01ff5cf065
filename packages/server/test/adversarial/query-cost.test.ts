/**
 * A cheap request cannot buy an expensive query (issue 8, finding 6): filters are charged for every condition
 * they generate and refused early, and on PostgreSQL no statement outlives the statement timeout. No bound here is a
 * fixed wall-clock time: the refusal's cost is compared with a baseline measured alongside it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { assertApiError, seedUsers } from '../support/api-assert.js';
import { testDialects } from '../support/databases.js';
import { raw } from '../support/raw-http.js';
import { startTestNode, type TestNode } from '../support/test-node.js';

const bigObject = (keys: number) => Object.fromEntries(Array.from({ length: keys }, (_, i) => [`k${i}`, i]));

for (const dialect of await testDialects()) {
  describe(`query cost [${dialect}]`, () => {
    let t: TestNode;
    before(async () => {
      t = await startTestNode(dialect, { config: { statementTimeoutMs: 400 } });
      await seedUsers(t, 'q-owner');
      const res = await raw(t, 'POST', '/api/v2/video/call/default/q-call', {
        body: { data: { created_by_id: 'q-owner', members: [{ user_id: 'q-owner', custom: { k0: 0 } }] } },
      });
      assert.equal(res.status, 200, String(res.body.message));
    });
    after(() => t.stop());

    it('a whole-object custom filter of 5,000 keys is refused with code 4 naming the field, as cheaply as one of 201', async () => {
      const refusal = async (keys: number) => {
        const started = performance.now();
        const res = await raw(t, 'POST', '/api/v2/video/call/members', {
          body: { type: 'default', id: 'q-call', filter_conditions: { custom: bigObject(keys) } },
        });
        const ms = performance.now() - started;
        assertApiError(res, 400, 4, { field: 'filter_conditions.custom', mentions: 'at most 200 conditions' });
        return ms;
      };
      // The baseline is a filter just past the budget, measured in turn with the big one so that both see the same
      // load; medians, so that one pause of the machine does not decide. Refused early, the 5,000 keys cost their
      // parsing only; built into SQL and run, they would cost many times the baseline.
      const small: number[] = [];
      const big: number[] = [];
      for (let i = 0; i < 7; i++) {
        small.push(await refusal(201));
        big.push(await refusal(5000));
      }
      const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)] as number;
      assert.ok(
        median(big) < 5 * median(small) + 20,
        `5,000 keys: median ${median(big).toFixed(1)} ms; 201 keys: median ${median(small).toFixed(1)} ms`,
      );
    });

    it('$in lists and $or elements count against the same budget', async () => {
      const ids = Array.from({ length: 100 }, (_, i) => `id-${i}`);
      const res = await raw(t, 'POST', '/api/v2/video/calls', {
        body: { filter_conditions: { id: { $in: ids }, type: { $in: ids }, $or: [{ 'custom.a': 1 }] } },
      });
      assertApiError(res, 400, 4, { field: 'filter_conditions.$or', mentions: 'at most 200 conditions' });
      const ok = await raw(t, 'POST', '/api/v2/video/call/members', {
        body: { type: 'default', id: 'q-call', filter_conditions: { custom: { k0: 0 } } },
      });
      assert.equal(ok.status, 200, String(ok.body.message));
      assert.deepEqual(
        (ok.body.members as { user_id: string }[]).map((m) => m.user_id),
        ['q-owner'],
        'a filter within the budget still answers',
      );
    });

    if (dialect === 'postgres') {
      it('a statement past the statement timeout is cancelled and answered as code 23 / 503, not 500', async () => {
        let release: () => void = () => {};
        const held = new Promise<void>((resolve) => {
          release = resolve;
        });
        let locked: () => void = () => {};
        const isLocked = new Promise<void>((resolve) => {
          locked = resolve;
        });
        // Another transaction holds the calls table, so the query waits until its statement times out.
        const holder = t.node.ctx.store.db.transaction().execute(async (trx) => {
          await sql`lock table calls in access exclusive mode`.execute(trx);
          locked();
          await held;
        });
        try {
          await isLocked;
          const started = performance.now();
          // Without a statement timeout the query would wait for the lock forever. So the lock is let go after 30 s
          // at the latest: the query then succeeds (200), which fails the test on what it answered, not on a clock.
          // PostgreSQL cancels the statement on its own timer at 400 ms, whatever the load on this process.
          const fallback = setTimeout(release, 30_000);
          const res = await raw(t, 'POST', '/api/v2/video/calls', { body: {} }).finally(() => clearTimeout(fallback));
          const ms = performance.now() - started;
          assertApiError(res, 503, 23, { operation: 'QueryCalls', mentions: 'statement timeout' });
          // Load can only make this later: it waited for the timeout (400 ms) before answering.
          assert.ok(ms >= 350, `cancelled after the timeout, not before: ${Math.round(ms)} ms`);
        } finally {
          release();
          await holder;
        }
        const after = await raw(t, 'POST', '/api/v2/video/calls', { body: {} });
        assert.equal(after.status, 200, 'the pool recovered');
      });
    }
  });
}
