/**
 * A node losing PostgreSQL (real `switchboard start` processes): every backend of the node terminated with
 * `pg_terminate_backend` while it serves writes, and PostgreSQL unreachable for 10 s behind a TCP proxy that the
 * test cuts. The node must live through both, answer 503 (code 23) and `/readyz` 503 meanwhile, never a 500, come
 * back by itself, and every write it acknowledged must be in the database.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { waitFor } from '../realtime/support.js';
import { POSTGRES_URL, postgresSkipReason } from '../support/databases.js';
import { raw } from '../support/raw-http.js';
import { type ClusterSchema, clusterCredentials, clusterSchema, type SpawnedNode, spawnNode } from './spawn-node.js';
import { TcpProxy } from './tcp-proxy.js';

const skip = await postgresSkipReason();

/** Upserts one user; resolves with the status and error code (never throws on a non-2xx). */
async function writeUser(node: SpawnedNode, id: string): Promise<{ status: number; code?: unknown }> {
  const res = await raw(node.asTestNode(), 'POST', '/api/v2/users', { body: { users: { [id]: { id } } } });
  return { status: res.status, code: res.body.code };
}

async function readiness(node: SpawnedNode): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(new URL('/readyz', node.baseUrl));
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Writes users one after another until `stop()`; records what each answered. */
function writer(node: SpawnedNode, prefix: string) {
  const acknowledged: string[] = [];
  const refused: { id: string; status: number; code?: unknown }[] = [];
  let stopped = false;
  let n = 0;
  const running = (async () => {
    while (!stopped) {
      const id = `${prefix}-${n++}`;
      // A process that died answers no HTTP at all: recorded (and failed on) like any other wrong answer.
      const answer = await writeUser(node, id).catch((err: Error) => ({ status: 0, code: err.message }));
      if (answer.status === 200) acknowledged.push(id);
      else refused.push({ id, ...answer });
    }
  })();
  return {
    acknowledged,
    refused,
    async stop() {
      stopped = true;
      await running;
    },
  };
}

function alive(node: SpawnedNode): boolean {
  return node.child.exitCode === null && node.child.signalCode === null;
}

async function storedUsers(db: ClusterSchema, ids: string[]): Promise<Set<string>> {
  const rows = await db.query<{ id: string }>('select id from users where id = any($1)', [ids]);
  return new Set(rows.map((r) => r.id));
}

function assertOnly503s(refused: { id: string; status: number; code?: unknown }[]): void {
  for (const answer of refused) assert.deepEqual([answer.status, answer.code], [503, 23], JSON.stringify(answer));
}

describe('a node losing PostgreSQL', { skip }, () => {
  let db: ClusterSchema;
  let proxy: TcpProxy;
  const nodes: SpawnedNode[] = [];
  before(async () => {
    db = await clusterSchema();
    const target = new URL(POSTGRES_URL);
    proxy = await TcpProxy.start(target.hostname, Number(target.port || 5432));
  });
  after(async () => {
    await Promise.all(nodes.map((node) => node.stop()));
    await proxy?.close();
    await db?.drop();
  });

  it('pg_terminate_backend of all its backends while it serves writes: it lives, answers 503 at worst, recovers', async () => {
    const node = await spawnNode(db, clusterCredentials());
    nodes.push(node);
    const rows = await db.query<{ node_id: string }>('select node_id from cluster_nodes');
    assert.equal(rows.length, 1);
    const nodeId = rows[0]?.node_id;
    const application = `switchboard:${nodeId}`;
    const traffic = [writer(node, 'term-a'), writer(node, 'term-b')];
    for (let round = 0; round < 3; round++) {
      // Between rounds the pool opens new connections on demand: wait until it did, then terminate them all.
      const backends = await waitFor(
        async () => {
          const rows = await db.query<{ pid: number }>('select pid from pg_stat_activity where application_name = $1', [
            application,
          ]);
          return rows.length > 0 && rows;
        },
        `backends of ${application}`,
        30_000,
      );
      await db.query('select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1', [
        application,
      ]);
      assert.ok(backends.length > 0);
      const before = traffic.reduce((sum, w) => sum + w.acknowledged.length, 0);
      await waitFor(() => traffic.reduce((sum, w) => sum + w.acknowledged.length, 0) > before, 'a write after', 30_000);
    }
    await Promise.all(traffic.map((w) => w.stop()));
    assert.ok(alive(node), 'the node process is still running');
    assert.equal((await writeUser(node, 'term-after')).status, 200);
    assertOnly503s(traffic.flatMap((w) => w.refused));
    const acknowledged = [...traffic.flatMap((w) => w.acknowledged), 'term-after'];
    const stored = await storedUsers(db, acknowledged);
    assert.deepEqual(
      acknowledged.filter((id) => !stored.has(id)),
      [],
      'every acknowledged write is in the database',
    );
    await node.stop();
  });

  it('PostgreSQL unreachable for 10 s: /readyz and writes answer 503 meanwhile, the node becomes ready by itself', async () => {
    const url = new URL(db.url);
    url.hostname = proxy.address.host;
    url.port = String(proxy.address.port);
    const node = await spawnNode({ ...db, url: url.toString() }, clusterCredentials(), {
      SWITCHBOARD_DATABASE_CONNECT_TIMEOUT_MS: '1000',
    });
    nodes.push(node);
    const beforeCut = writer(node, 'cut-before');
    await waitFor(() => beforeCut.acknowledged.length >= 5, 'writes before the cut', 30_000);

    await proxy.cut();
    await beforeCut.stop();
    const down = await waitFor(
      async () => {
        const state = await readiness(node);
        return state.status === 503 && state;
      },
      '/readyz 503 while the database is unreachable',
      30_000,
    );
    assert.equal(down.body.database, false);
    assert.match(String(down.body.reason), /database unavailable/);

    // The outage lasts 10 s, during which the node keeps answering: every write a clean 503, code 23.
    const during: { id: string; status: number; code?: unknown }[] = [];
    const outageEnds = Date.now() + 10_000;
    for (let n = 0; Date.now() < outageEnds; n++) {
      const id = `cut-during-${n}`;
      during.push({ id, ...(await writeUser(node, id)) });
    }
    assert.ok(during.length > 0);
    assertOnly503s(during);
    assert.ok(alive(node), 'the node process is still running during the outage');

    await proxy.restore();
    await waitFor(async () => (await readiness(node)).status === 200, '/readyz 200 after the database is back', 60_000);
    const afterCut = writer(node, 'cut-after');
    await waitFor(() => afterCut.acknowledged.length >= 5, 'writes after the database is back', 30_000);
    await afterCut.stop();
    assert.ok(alive(node));

    assertOnly503s([...beforeCut.refused, ...afterCut.refused]);
    const acknowledged = [...beforeCut.acknowledged, ...afterCut.acknowledged];
    const stored = await storedUsers(db, [...acknowledged, ...during.map((d) => d.id)]);
    assert.deepEqual(
      acknowledged.filter((id) => !stored.has(id)),
      [],
      'every acknowledged write is in the database',
    );
    // Sent while the database was unreachable (after /readyz said so): none of them reached it.
    assert.deepEqual(
      during.filter((d) => stored.has(d.id)).map((d) => d.id),
      [],
    );
    await node.stop();
  });
});
