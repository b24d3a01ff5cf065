/**
 * A short hostile soak (issue 8): a few seconds of mixed abuse (bench/support/hostile-load.ts) against a started
 * node. The node's memory stays within a bound, `/healthz` keeps answering, and an honest client's requests all
 * succeed. `npm run bench -- hostile-soak` runs the same for a minute, with the node in its own process. Here the
 * abuse shares the node's process and the suite shares two cores with everything else, so the load is light and
 * the bounds generous: what must hold exactly is that no honest request and no health check failed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runHostileLoad } from '../../bench/support/hostile-load.js';
import { testDialects } from '../support/databases.js';
import { startTestNode, type TestNode } from '../support/test-node.js';

for (const dialect of await testDialects()) {
  describe(`hostile soak [${dialect}]`, () => {
    let t: TestNode;
    before(async () => {
      t = await startTestNode(dialect);
    });
    after(() => t.stop());

    it('survives 5 s of mixed abuse: bounded memory, /healthz answering, honest requests all served', async () => {
      const report = await runHostileLoad(
        { baseUrl: t.baseUrl, apiKey: t.apiKey, apiSecret: t.apiSecret },
        {
          durationMs: 5000,
          slowSockets: 20,
          slowByteIntervalMs: 1000,
          floodLoops: 1,
          honestPauseMs: 20,
          healthzIntervalMs: 50,
          oversizedBytes: 1100 * 1024,
          deepLevels: 5000,
        },
      );
      const context = JSON.stringify(report);
      assert.equal(report.honest.failed, 0, `honest failures: ${report.honest.first_failures.join(' | ')}`);
      assert.ok(report.honest.succeeded >= 1, `honest requests served: ${context}`);
      assert.equal(report.healthz.failures, 0, `healthz failures: ${context}`);
      assert.ok(report.healthz.requests >= 1, `healthz polled: ${context}`);
      assert.ok(report.healthz.max_ms < 10_000, `healthz answered within 10 s: ${context}`);
      // The RSS here is the whole test process (runner, client and node); the bound is on its growth.
      assert.ok(report.rss_end_mb - report.rss_start_mb < 300, `RSS grew ${context}`);
      for (const kind of ['oversized_body', 'deep_body', 'unknown_call_type', 'query_flood', 'repeated_join']) {
        const statuses = report.abuse[kind]?.statuses ?? {};
        assert.ok(report.abuse[kind]?.requests, `${kind} ran`);
        assert.equal(statuses['500'] ?? 0, 0, `${kind} never answered 500: ${JSON.stringify(statuses)}`);
      }
    });
  });
}
