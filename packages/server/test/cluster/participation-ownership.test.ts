/**
 * Who owns a participation across nodes, with real `switchboard start` processes on PostgreSQL + Redis and a short
 * node TTL:
 * - the node holding the participant's WebSocket owns it, not the node that served JoinCall: killing the holder
 *   makes the participant leave once after the TTL; killing the node that merely served the JoinCall leaves the
 *   participant in the call;
 * - a node whose request pool is saturated for several TTLs keeps beating (its heartbeat has its own connection),
 *   so it is not taken for dead and its participants stay;
 * - a node taken for dead while alive (its `cluster_nodes` row deleted) registers again and brings its participant
 *   back over the same connection.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { asUser, createCall, seedUsers, TestSocket, uid, waitFor } from '../realtime/support.js';
import { Cluster } from './node-process.js';
import { clusterSkipReason } from './support.js';

const skip = await clusterSkipReason();
const NODE_TTL_MS = 1500;

interface ParticipantRow {
  user_session_id: string;
  user_id: string;
  node_id: string | null;
  connection_id: string | null;
  left_at: string | null;
}

function joinedUserId(event: unknown): string {
  return (event as { participant: { user: { id: string } } }).participant.user.id;
}

describe('participation ownership across nodes [postgres, redis, child processes]', { skip }, () => {
  let cluster: Cluster;
  let db: pg.Client;
  let schema: string;
  let baseUrl: string;
  before(async () => {
    cluster = await Cluster.start(2, {
      env: {
        SWITCHBOARD_NODE_TTL_MS: String(NODE_TTL_MS),
        SWITCHBOARD_TIMER_SWEEP_MS: '100',
        // Requests waiting on a row lock must hold their pool connections for as long as the test says.
        SWITCHBOARD_STATEMENT_TIMEOUT_MS: '0',
      },
    });
    const url = new URL(cluster.databaseUrl);
    schema = url.searchParams.get('schema') as string;
    url.searchParams.delete('schema');
    baseUrl = url.toString();
    db = new pg.Client({ connectionString: baseUrl, options: `-c search_path="${schema}"` });
    await db.connect();
  });
  after(async () => {
    await db?.end();
    await cluster?.close();
  });
  const a = () => cluster.node(0).view;
  const b = () => cluster.node(1).view;
  const participants = async (cid: string) =>
    (
      await db.query<ParticipantRow>(
        'select user_session_id, user_id, node_id, connection_id, left_at from session_participants where call_cid = $1 order by joined_at',
        [cid],
      )
    ).rows;
  const liveNodes = async () => (await db.query<{ node_id: string }>('select node_id from cluster_nodes')).rows;

  /** `userId` connects its WebSocket to `socketNode` and joins the call through `joinNode` over it. */
  async function joinOver(call: { path: string }, userId: string, socketNode: 0 | 1, joinNode: 0 | 1) {
    const socket = await TestSocket.connect(cluster.node(socketNode).view, userId);
    const res = await asUser(
      cluster.node(joinNode).view,
      userId,
      'POST',
      `${call.path}/join`,
      {},
      {
        connection_id: socket.connectionId,
      },
    );
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return socket;
  }

  it('a node whose request pool is saturated for several TTLs keeps its row and its participants', async () => {
    const [owner, stayer] = [uid('owner'), uid('stayer')];
    await seedUsers(a(), owner, stayer);
    const call = await createCall(a(), owner, [owner, stayer]);
    const stayerOnA = await joinOver(call, stayer, 0, 0);
    const watcherOnB = await TestSocket.connect(b(), owner);
    const watched = await asUser(b(), owner, 'GET', call.path, undefined, { connection_id: watcherOnB.connectionId });
    assert.equal(watched.status, 200);
    const nodeA = (await participants(call.cid))[0]?.node_id as string;
    // Lock the rows of 12 other calls: each PATCH node A serves for one of them waits for its row on a connection of
    // node A's request pool, so they hold all 10 of them until the lock goes.
    const busy = [];
    for (let i = 0; i < 12; i++) busy.push(await createCall(a(), owner, [owner]));
    const locker = new pg.Client({ connectionString: baseUrl, options: `-c search_path="${schema}"` });
    await locker.connect();
    await locker.query('begin');
    await locker.query('select 1 from calls where cid = any($1) for update', [busy.map((c) => c.cid)]);
    const patches = busy.map((c, i) => asUser(a(), owner, 'PATCH', c.path, { custom: { n: i } }));
    // Read on another connection than the lock's: within a transaction the activity view is one snapshot.
    const waiting = async () =>
      Number(
        (
          await db.query<{ n: string }>(
            "select count(*) as n from pg_stat_activity where wait_event_type = 'Lock' and query like '%calls%for update%'",
          )
        ).rows[0]?.n ?? 0,
      );
    try {
      await waitFor(async () => (await waiting()) >= 10 || undefined, "node A's 10 pool connections to wait", 20_000);
      // Saturated for more than two TTLs: its heartbeat (own connection) keeps refreshing its row meanwhile.
      const beats = new Set<string>();
      await waitFor(
        async () => {
          const row = await db.query<{ last_seen_at: string }>(
            'select last_seen_at from cluster_nodes where node_id = $1',
            [nodeA],
          );
          const at = row.rows[0]?.last_seen_at;
          assert.ok(at, 'node A was never taken for dead');
          beats.add(at);
          return beats.size > 7 || undefined;
        },
        'node A to beat 7 times with its request pool saturated',
        30_000,
      );
      assert.ok((await waiting()) >= 10, 'the pool stayed saturated all along');
    } finally {
      await locker.query('commit');
      await locker.end();
    }
    for (const res of await Promise.all(patches)) assert.equal(res.status, 200, JSON.stringify(res.body));
    const rows = await participants(call.cid);
    assert.equal(rows.length, 1);
    assert.equal(rows[0]?.left_at, null, 'the participant of the busy node stayed');
    assert.equal(
      watcherOnB.received.filter((m) => m.type === 'call.session_participant_left').length,
      0,
      'nobody saw it leave',
    );
    await stayerOnA.close();
    await watcherOnB.close();
  });

  it('a node whose row is deleted while alive brings its participant back over the same connection', async () => {
    const [owner, stayer] = [uid('owner'), uid('stayer')];
    await seedUsers(a(), owner, stayer);
    const call = await createCall(a(), owner, [owner, stayer]);
    const stayerOnA = await joinOver(call, stayer, 0, 1);
    const watcherOnB = await TestSocket.connect(b(), owner);
    assert.equal(
      (await asUser(b(), owner, 'GET', call.path, undefined, { connection_id: watcherOnB.connectionId })).status,
      200,
    );
    const [row] = await participants(call.cid);
    const nodeA = row?.node_id as string;
    assert.ok((await liveNodes()).some((n) => n.node_id === nodeA));

    // Forced dead until a reap ends the participation (node A's own beat may put its row back first: delete again).
    await waitFor(
      async () => {
        await db.query('delete from cluster_nodes where node_id = $1', [nodeA]);
        return watcherOnB.received.some((m) => m.type === 'call.session_participant_left') || undefined;
      },
      'the reap to end the participation of the node taken for dead',
      20_000,
    );
    const rejoined = await watcherOnB.event('call.session_participant_joined', call.cid, 10_000);
    assert.equal(joinedUserId(rejoined), stayer);
    const rows = await participants(call.cid);
    const live = rows.filter((r) => r.left_at === null);
    assert.equal(live.length, 1, JSON.stringify(rows));
    assert.equal(live[0]?.connection_id, stayerOnA.connectionId, 'over the connection it never lost');
    assert.equal(live[0]?.node_id, nodeA, 'owned by node A again');
    await waitFor(async () => (await liveNodes()).some((n) => n.node_id === nodeA) || undefined, 'A registered again');
    await stayerOnA.close();
    await watcherOnB.close();
  });

  it('kill -9 the node holding the WebSocket: its participant leaves once; the one it only served JoinCall for stays', async () => {
    const [owner, onB, onA] = [uid('owner'), uid('socket-on-b'), uid('socket-on-a')];
    await seedUsers(a(), owner, onB, onA);
    const call = await createCall(a(), owner, [owner, onB, onA]);
    // JoinCall served by A for a WebSocket on B, and by B (the node about to die) for a WebSocket on A.
    await joinOver(call, onB, 1, 0);
    const socketOnA = await joinOver(call, onA, 0, 1);
    const watcherOnA = await TestSocket.connect(a(), owner);
    assert.equal(
      (await asUser(a(), owner, 'GET', call.path, undefined, { connection_id: watcherOnA.connectionId })).status,
      200,
    );
    const rows = await participants(call.cid);
    const nodeOf = (userId: string) => rows.find((r) => r.user_id === userId)?.node_id;
    assert.notEqual(nodeOf(onB), nodeOf(onA), 'each participation is owned by the node holding its WebSocket');

    await cluster.node(1).kill();
    const left = await watcherOnA.event('call.session_participant_left', call.cid, 15_000);
    assert.equal(joinedUserId(left), onB);
    await waitFor(
      async () => !(await liveNodes()).some((n) => n.node_id === nodeOf(onB)) || undefined,
      "the dead node's row to be reaped",
    );
    const after = await participants(call.cid);
    assert.equal(after.find((r) => r.user_id === onA)?.left_at, null, 'the participant whose socket is on A stays');
    assert.notEqual(after.find((r) => r.user_id === onB)?.left_at, null);
    const events = await db.query<{ payload: string }>(
      "select payload from outbox where call_cid = $1 and event_type = 'call.session_participant_left'",
      [call.cid],
    );
    assert.deepEqual(
      events.rows.map((e) => joinedUserId(JSON.parse(e.payload))),
      [onB],
      'one leave, of the participant whose socket died',
    );
    assert.equal(
      watcherOnA.received.filter((m) => m.type === 'call.session_participant_left').length,
      1,
      'the watcher saw it once',
    );
    await socketOnA.close();
    await watcherOnA.close();
  });
});
