/** Operational endpoints: health and Prometheus metrics, reachable without credentials. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { eachDatabase } from '../support/each-database.js';
import { raw } from '../support/raw-http.js';

eachDatabase('operations', (node) => {
  it('GET /healthz answers ok without api_key or token', async () => {
    const res = await fetch(new URL('/healthz', node().baseUrl));
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { status: string }).status, 'ok');
  });

  it('GET /metrics counts requests per API operation and status', async () => {
    await raw(node(), 'GET', '/api/v2/video/call/default/not-there');
    await raw(node(), 'GET', '/api/v2/video/no-such-route');
    const res = await fetch(new URL('/metrics', node().baseUrl));
    assert.equal(res.status, 200);
    const text = await res.text();
    assert.match(
      text,
      /switchboard_http_request_duration_seconds_count\{node="[^"]+",operation="GetCall",status="404"\} [1-9]/,
    );
    // A path no route matches is counted too, under `other`.
    assert.match(
      text,
      /switchboard_http_request_duration_seconds_count\{node="[^"]+",operation="other",status="404"\} [1-9]/,
    );
  });
});
