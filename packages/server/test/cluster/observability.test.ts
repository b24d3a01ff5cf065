/**
 * What an operator sees of a cluster, through HTTP against two `switchboard start` processes on one PostgreSQL
 * schema and Redis: `GET /api/v2/cluster/nodes` lists both nodes on either node (server tokens only), each node's
 * `/metrics` carries its own `node` label and gauges of what it holds, and the access log writes one line per
 * request without the query string.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { asUser, createCall, seedUsers, TestSocket, uid, waitFor } from '../realtime/support.js';
import { postgresSkipReason } from '../support/databases.js';
import { raw } from '../support/raw-http.js';
import { REDIS_URL, redisSkipReason } from '../support/redis.js';
import { clusterOfNodes, type SpawnedNode } from './spawn-node.js';

const skip = (await postgresSkipReason()) ?? (await redisSkipReason());
const VERSION = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

interface ListedNode {
  id: string;
  public_url: string | null;
  version: string | null;
  started_at: string;
  last_heartbeat_at: string;
  connections: number | null;
  participants: number | null;
  media: { rooms: number; participants: number; published_tracks: number; transports: number } | null;
  draining: boolean;
}

async function listNodes(node: SpawnedNode): Promise<ListedNode[]> {
  const res = await raw(node.asTestNode(), 'GET', '/api/v2/cluster/nodes');
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.nodes as ListedNode[];
}

async function metrics(node: SpawnedNode): Promise<string> {
  const res = await fetch(new URL('/metrics', node.baseUrl));
  assert.equal(res.status, 200);
  return res.text();
}

/** The value of an unlabelled-but-for-`node` series, e.g. `switchboard_websocket_connections{node="…"} 1`. */
function sample(text: string, name: string, nodeId: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{node="${nodeId}"} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

/** Collects a node's stdout lines from now on (pino JSON). */
function logLines(node: SpawnedNode): Array<Record<string, unknown>> {
  const lines: Array<Record<string, unknown>> = [];
  let pending = '';
  node.child.stdout?.on('data', (chunk: Buffer) => {
    pending += chunk.toString();
    const parts = pending.split('\n');
    pending = parts.pop() ?? '';
    for (const part of parts) if (part.startsWith('{')) lines.push(JSON.parse(part) as Record<string, unknown>);
  });
  return lines;
}

describe('cluster: nodes, metrics and access logs [postgres, redis, child processes]', { skip }, () => {
  const cluster = clusterOfNodes(2, {
    REDIS_URL,
    SWITCHBOARD_NODE_TTL_MS: '1500',
    SWITCHBOARD_ACCESS_LOG: 'info',
    LOG_LEVEL: 'info',
  });
  const nodes = () => cluster.nodes as [SpawnedNode, SpawnedNode];

  it('each node lists both nodes with their public URL, version and load; user tokens are refused', async () => {
    const [a, b] = nodes();
    const fromA = await listNodes(a);
    const fromB = await listNodes(b);
    assert.equal(fromA.length, 2, JSON.stringify(fromA));
    assert.deepEqual(
      fromA.map((n) => n.id),
      fromB.map((n) => n.id),
      'both nodes answer the same list',
    );
    // Without SWITCHBOARD_PUBLIC_URL each node reports the address it listens on, which is what the test reached.
    const byUrl = new Map(fromA.map((n) => [n.public_url, n]));
    for (const node of [a, b]) {
      const listed = byUrl.get(node.baseUrl);
      assert.ok(listed, `${node.baseUrl} is listed: ${JSON.stringify(fromA)}`);
      assert.equal(listed.version, VERSION);
      assert.equal(listed.draining, false);
      assert.ok(Date.parse(listed.last_heartbeat_at) >= Date.parse(listed.started_at));
      assert.deepEqual(listed.media, { rooms: 0, participants: 0, published_tracks: 0, transports: 0 });
    }

    const user = uid('user');
    await seedUsers(a.asTestNode(), user);
    const refused = await asUser(a.asTestNode(), user, 'GET', '/api/v2/cluster/nodes');
    assert.equal(refused.status, 403, JSON.stringify(refused.body));
    assert.equal(refused.body.code, 17);
  });

  it("metrics carry each node's own label; connections and owned participants show on the node holding them", async () => {
    const [a, b] = nodes();
    const listed = await listNodes(a);
    const idOf = (node: SpawnedNode) => listed.find((n) => n.public_url === node.baseUrl)?.id ?? '';
    const [idA, idB] = [idOf(a), idOf(b)];
    assert.notEqual(idA, idB);
    const textA = await metrics(a);
    assert.ok(textA.includes(`node="${idA}"`) && !textA.includes(`node="${idB}"`), 'A labels its series with A');
    for (const line of textA.split('\n').filter((l) => l.startsWith('switchboard_') && !l.startsWith('#')))
      assert.ok(line.includes(`node="${idA}"`), `every series names the node: ${line}`);
    assert.equal(sample(textA, 'switchboard_bus_connected', idA), 1);
    assert.equal(sample(textA, 'switchboard_bus_subscriptions', idA), 2, 'the bus channel and the command channel');
    assert.equal(sample(textA, 'switchboard_sfu_rooms', idA), 0);
    assert.equal(sample(textA, 'switchboard_draining', idA), 0);
    const age = sample(textA, 'switchboard_heartbeat_age_seconds', idA);
    assert.ok(age !== undefined && age >= 0 && age < 1.5, `heartbeat age within the TTL: ${age}`);
    assert.match(textA, /switchboard_outbox_lag_seconds\{[^}]*scope="cluster"[^}]*\} /);
    assert.ok(
      textA.split('\n').some((l) => l.startsWith('switchboard_outbox_lag_seconds{') && l.includes(`node="${idA}"`)),
    );

    // A participant joins over a WebSocket held by B: B owns it, A does not.
    const [owner, joiner] = [uid('owner'), uid('joiner')];
    await seedUsers(a.asTestNode(), owner, joiner);
    const call = await createCall(a.asTestNode(), owner, [owner, joiner]);
    const socket = await TestSocket.connect(b.asTestNode(), joiner);
    const joined = await asUser(
      b.asTestNode(),
      joiner,
      'POST',
      `${call.path}/join`,
      {},
      {
        connection_id: socket.connectionId,
      },
    );
    assert.equal(joined.status, 200, JSON.stringify(joined.body));
    const textB = await metrics(b);
    assert.equal(sample(textB, 'switchboard_websocket_connections', idB), 1);
    assert.equal(sample(textB, 'switchboard_participants_owned', idB), 1);
    const textA2 = await metrics(a);
    assert.equal(sample(textA2, 'switchboard_websocket_connections', idA), 0);
    assert.equal(sample(textA2, 'switchboard_participants_owned', idA), 0);

    // The listing shows it once B's next heartbeat wrote it (every third of the TTL).
    const seen = await waitFor(async () => {
      const row = (await listNodes(a)).find((n) => n.id === idB);
      return row?.connections === 1 && row.participants === 1 ? row : undefined;
    }, "B's heartbeat reporting its connection and participant");
    assert.equal(seen.public_url, b.baseUrl);
    const rowA = (await listNodes(b)).find((n) => n.id === idA);
    assert.equal(rowA?.participants, 0);
    socket.ws.close();
    await socket.closed;
  });

  it('writes one access log line per request: method, path without query, status, duration, request id, user', async () => {
    const [a] = nodes();
    const lines = logLines(a);
    const user = uid('logged');
    await seedUsers(a.asTestNode(), user);
    const requestId = uid('req');
    const res = await raw(a.asTestNode(), 'GET', '/api/v2/cluster/nodes', {
      token: await a.userToken(user),
      headers: { 'x-request-id': requestId },
      query: { secret_hint: 'hunter2' },
    });
    assert.equal(res.status, 403);
    const missing = await raw(a.asTestNode(), 'GET', '/api/v2/no-such-route', {
      headers: { 'x-request-id': `${requestId}-404` },
    });
    assert.equal(missing.status, 404);
    const line = await waitFor(() => lines.find((l) => l.request_id === requestId), 'the access log line');
    assert.equal(line.msg, 'request');
    assert.equal(line.level, 30, 'at the configured level (info)');
    assert.equal(line.method, 'GET');
    assert.equal(line.path, '/api/v2/cluster/nodes');
    assert.equal(line.status, 403);
    assert.equal(line.user_id, user);
    assert.equal(typeof line.duration_ms, 'number');
    const unrouted = await waitFor(() => lines.find((l) => l.request_id === `${requestId}-404`), 'the 404 line');
    assert.equal(unrouted.status, 404);
    assert.equal(unrouted.path, '/api/v2/no-such-route');
    const logged = JSON.stringify(lines);
    assert.ok(!logged.includes('hunter2') && !logged.includes(a.apiKey), 'no query string is logged');
    assert.equal(lines.filter((l) => l.request_id === requestId).length, 1, 'one line per request');
  });
});
