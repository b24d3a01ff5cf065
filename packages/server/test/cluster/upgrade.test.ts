/**
 * A rolling upgrade of a running two-node cluster, with traffic flowing. "The old release" is this repository's code
 * as the `switchboard` bin runs it; "the new release" is the same code plus the migrations a later release adds
 * (test/support/next-release.ts, run through next-release-node.ts): the old code has truly never heard of them.
 *
 * The new node migrates while both old nodes serve custom events; the old nodes keep answering, then stop one by
 * one; an old node then starts again on the migrated schema. A later contract step, marked incompatible, makes an
 * old node refuse to start with a message naming the migration and the version needed. Nodes of both releases
 * starting at once on a fresh schema migrate it once.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { serverVersion } from '../../src/version.js';
import { asUser, createCall, type Message, seedUsers, TestSocket, uid, waitFor } from '../realtime/support.js';
import { POSTGRES_URL } from '../support/databases.js';
import { CONTRACT_MIGRATION, EXPAND_MIGRATION } from '../support/next-release.js';
import { raw } from '../support/raw-http.js';
import { Cluster, type NodeProcess, type NodeRelease } from './node-process.js';
import { clusterSkipReason } from './support.js';

const skip = await clusterSkipReason();
const NEXT_RELEASE_NODE = fileURLToPath(new URL('./next-release-node.ts', import.meta.url));
/** Waiting on a loaded two-core machine: a limit on how long a test waits, never a performance bound. */
const PATIENCE_MS = 120_000;

function nextRelease(kind: 'expand' | 'contract', requires?: string): NodeRelease {
  return {
    entry: ['--import', 'tsx', NEXT_RELEASE_NODE],
    env: { TEST_NEXT_RELEASE: kind, ...(requires ? { TEST_NEXT_RELEASE_REQUIRES: requires } : {}) },
  };
}

/** The release after this one, `MAJOR.(MINOR+1).0`: what a contract step names as the version it needs. */
function followingVersion(): string {
  const [major, minor] = serverVersion().split('.').map(Number);
  return `${major}.${(minor ?? 0) + 1}.0`;
}

/** SQL on the cluster's schema: what the nodes committed. */
async function schemaClient(cluster: Cluster): Promise<pg.Client> {
  const schema = new URL(cluster.databaseUrl).searchParams.get('schema');
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  await client.query(`set search_path = "${schema}"`);
  return client;
}

async function appliedMigrations(client: pg.Client): Promise<string[]> {
  return (await client.query<{ name: string }>('select name from kysely_migration order by name')).rows.map(
    (r) => r.name,
  );
}

/**
 * Custom events sent one after another, round robin over the nodes currently serving, each numbered: every answer
 * must be 200 (an acknowledged event), whatever happens to the cluster meanwhile.
 */
class Traffic {
  private serving: NodeProcess[] = [];
  private readonly perNode = new Map<string, number>();
  readonly failures: string[] = [];
  acknowledged = 0;
  private running = true;
  private readonly done: Promise<void>;

  constructor(
    private readonly path: string,
    private readonly sender: string,
    nodes: NodeProcess[],
  ) {
    this.serve(nodes);
    this.done = this.loop();
  }

  serve(nodes: NodeProcess[]): void {
    this.serving = nodes;
  }

  /** Waits until `count` more events than now were acknowledged through `node`. */
  async more(node: NodeProcess, count: number): Promise<void> {
    const target = (this.perNode.get(node.name) ?? 0) + count;
    await waitFor(
      () => this.failures.length > 0 || (this.perNode.get(node.name) ?? 0) >= target,
      `${count} events through node ${node.name}`,
      PATIENCE_MS,
    );
    assert.deepEqual(this.failures, []);
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.done;
  }

  private async loop(): Promise<void> {
    for (let turn = 0; this.running; turn++) {
      const node = this.serving[turn % this.serving.length];
      if (!node) throw new Error('no node serving');
      const n = this.acknowledged + 1;
      const res = await asUser(node.view, this.sender, 'POST', `${this.path}/event`, { custom: { n } });
      if (res.status !== 200) {
        this.failures.push(`event ${n} through ${node.name}: ${res.status} ${JSON.stringify(res.body)}`);
        return;
      }
      this.acknowledged = n;
      this.perNode.set(node.name, (this.perNode.get(node.name) ?? 0) + 1);
    }
  }
}

/** The numbers of the custom events a socket received, in arrival order. */
function received(socket: TestSocket, cid: string): number[] {
  return socket
    .events(cid)
    .filter((m: Message) => m.type === 'custom')
    .map((m) => (m.custom as { n: number }).n);
}

/** Waits for event `last` on the socket, then asserts it saw `first`…`last`, each once and in order. */
async function assertReceivedRange(socket: TestSocket, cid: string, first: number, last: number): Promise<void> {
  await socket.next((m) => m.type === 'custom' && (m.custom as { n: number }).n === last, `event ${last}`, PATIENCE_MS);
  const seen = received(socket, cid).filter((n) => n >= first && n <= last);
  assert.deepEqual(
    seen,
    Array.from({ length: last - first + 1 }, (_, i) => first + i),
  );
}

async function watch(node: NodeProcess, userId: string, path: string): Promise<TestSocket> {
  const socket = await TestSocket.connect(node.view, userId);
  const res = await asUser(node.view, userId, 'GET', path, undefined, { connection_id: socket.connectionId });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return socket;
}

describe('a rolling upgrade of a running two-node cluster', { skip }, () => {
  let cluster: Cluster;
  let sql: pg.Client;
  before(async () => {
    cluster = await Cluster.start(2);
    sql = await schemaClient(cluster);
  });
  after(async () => {
    await sql?.end();
    await cluster?.close();
  });

  it('the new node migrates while the old ones serve; they stop one by one; an old node then starts again', async () => {
    const [a, b] = [cluster.node(0), cluster.node(1)];
    const owner = uid('owner');
    const watcher = uid('watcher');
    await seedUsers(a.view, owner, watcher);
    const call = await createCall(a.view, owner, [owner, watcher]);
    const onOld = await watch(b, watcher, call.path);
    const traffic = new Traffic(call.path, owner, [a, b]);
    try {
      await traffic.more(a, 5);
      await traffic.more(b, 5);

      const c = await cluster.startNode(nextRelease('expand'));
      assert.ok((await appliedMigrations(sql)).includes(EXPAND_MIGRATION), 'the new node migrated');
      const column = await sql.query(
        `select 1 from information_schema.columns
          where table_schema = current_schema() and table_name = 'calls' and column_name = 'next_release_note'`,
      );
      assert.equal(column.rowCount, 1);
      const onNew = await watch(c, watcher, call.path);
      const firstOnNew = traffic.acknowledged + 1;

      // The old nodes keep answering on the migrated schema, next to the new one.
      traffic.serve([a, b, c]);
      await traffic.more(a, 5);
      await traffic.more(b, 5);
      await traffic.more(c, 5);

      traffic.serve([b, c]);
      await a.stop();
      await traffic.more(b, 5);
      await traffic.more(c, 5);
      // Events caused on the new node reached a client of an old one, each once and in order.
      await assertReceivedRange(onOld, call.cid, 1, traffic.acknowledged);

      traffic.serve([c]);
      await b.stop();
      await traffic.more(c, 5);

      // An old node comes back after the new one migrated (a rollback, a crashed node restarting).
      const a2 = await cluster.startNode();
      traffic.serve([a2, c]);
      await traffic.more(a2, 5);
      await traffic.more(c, 5);
      await traffic.stop();
      assert.deepEqual(traffic.failures, []);
      await assertReceivedRange(onNew, call.cid, firstOnNew, traffic.acknowledged);
      assert.ok((await appliedMigrations(sql)).includes(EXPAND_MIGRATION), 'the old node left the migration alone');
    } finally {
      await traffic.stop();
      await onOld.close();
    }
  });

  it('a migration marked incompatible makes an old node refuse to start, naming the migration and the version', async () => {
    const needed = followingVersion();
    const d = await cluster.startNode(nextRelease('contract', needed));
    const markers = await sql.query('select migration, requires_version from schema_compatibility');
    assert.deepEqual(markers.rows, [{ migration: CONTRACT_MIGRATION, requires_version: needed }]);
    await assert.rejects(cluster.startNode(), (err: Error) => {
      assert.match(err.message, /exited \(1\)/);
      assert.ok(
        err.message.includes(
          `switchboard: the database schema is newer than this node: migration ${CONTRACT_MIGRATION} ` +
            `(call notes moved to a table older code does not fill) needs Switchboard ${needed} or later, and this ` +
            `node is ${serverVersion()}`,
        ),
        err.message,
      );
      assert.doesNotMatch(err.message, /\n\s+at /, 'a start-up error, not a stack trace');
      return true;
    });
    // The refusal changed nothing: the new node still serves.
    const res = await fetch(new URL('/readyz', d.baseUrl));
    assert.equal(res.status, 200);
  });
});

describe('nodes of two releases starting at once on a fresh schema', { skip }, () => {
  it('all start, and each migration is applied once', async () => {
    const cluster = await Cluster.start(0);
    const sql = await schemaClient(cluster);
    try {
      const started = await Promise.all([
        cluster.startNode(),
        cluster.startNode(),
        cluster.startNode(nextRelease('expand')),
      ]);
      assert.equal(started.length, 3);
      const applied = await appliedMigrations(sql);
      assert.ok(applied.includes(EXPAND_MIGRATION) && applied.includes('0350_schema_compatibility'), String(applied));
      for (const node of started) {
        const res = await raw(node.view, 'GET', '/api/v2/video/calltypes');
        assert.equal(res.status, 200, `${node.name}: ${JSON.stringify(res.body)}`);
      }
    } finally {
      await sql.end();
      await cluster.close();
    }
  });
});
