/**
 * `GET /api/v2/cluster/nodes` on a single node, on both databases: it lists that node with its version and load
 * (migration 0360's columns, written by the heartbeat), refuses user tokens with the API's permission error, and
 * the node's metrics carry its `node` label. The two-node case runs in test/cluster/observability.test.ts.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { asUser, seedUsers, uid } from '../realtime/support.js';
import { eachDatabase } from '../support/each-database.js';
import { raw } from '../support/raw-http.js';

const VERSION = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

eachDatabase('cluster nodes on one node', (node) => {
  it('lists this node, refreshed by its heartbeat; user tokens get code 17', async () => {
    const t = node();
    // A beat now, so the row holds the address the node listens on (the first beat ran before it listened).
    await t.node.cluster.liveness.beat();
    const res = await raw(t, 'GET', '/api/v2/cluster/nodes');
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const nodes = res.body.nodes as Array<Record<string, unknown>>;
    assert.equal(nodes.length, 1);
    const [self] = nodes;
    assert.equal(self?.id, t.node.ctx.nodeId);
    assert.equal(self?.public_url, t.baseUrl);
    assert.equal(self?.version, VERSION);
    assert.equal(self?.connections, 0);
    assert.equal(self?.participants, 0);
    assert.equal(self?.draining, false);
    assert.deepEqual(self?.media, { rooms: 0, participants: 0, published_tracks: 0, transports: 0 });

    const user = uid('user');
    await seedUsers(t, user);
    const refused = await asUser(t, user, 'GET', '/api/v2/cluster/nodes');
    assert.equal(refused.status, 403);
    assert.equal(refused.body.code, 17);
    const anonymous = await raw(t, 'GET', '/api/v2/cluster/nodes', { token: null });
    assert.equal(anonymous.status, 401);
  });

  it('labels every metric with the node id', async () => {
    const t = node();
    const text = await (await fetch(new URL('/metrics', t.baseUrl))).text();
    const series = text.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
    assert.ok(series.length > 10);
    for (const line of series) assert.ok(line.includes(`node="${t.node.ctx.nodeId}"`), line);
    assert.match(text, /switchboard_websocket_connections\{node="[^"]+"\} 0/);
    assert.doesNotMatch(text, /switchboard_bus_connected/, 'no bus gauges without Redis');
  });
});
