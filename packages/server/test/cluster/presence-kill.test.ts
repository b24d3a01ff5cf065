/**
 * A participant's liveness is owned by the node holding its connection (issue 11, "presence across nodes"): two
 * `switchboard start` processes on one PostgreSQL schema; a participant joins over a WebSocket of node A, node A is
 * killed with SIGKILL. Once A's heartbeat is older than the node TTL, node B makes the participant leave and the
 * session end, once: B's own WebSocket client (the call's owner) sees both events, and the outbox holds each once.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { asUser, createCall, seedUsers, TestSocket, uid, waitFor } from '../realtime/support.js';
import { postgresSkipReason } from '../support/databases.js';
import { clusterOfNodes, type SpawnedNode } from './spawn-node.js';

const skip = await postgresSkipReason();
const NODE_TTL_MS = 1500;

describe('cluster: participants of a killed node [postgres, child processes]', { skip }, () => {
  const cluster = clusterOfNodes(2, {
    SWITCHBOARD_NODE_TTL_MS: String(NODE_TTL_MS),
    SWITCHBOARD_TIMER_SWEEP_MS: '100',
  });

  it('kill -9 the node holding the connection: after the TTL the participant leaves and the session ends, once', async () => {
    const [a, b] = [(cluster.nodes[0] as SpawnedNode).asTestNode(), (cluster.nodes[1] as SpawnedNode).asTestNode()];
    const [owner, joiner] = [uid('owner'), uid('joiner')];
    await seedUsers(a, owner, joiner);
    const call = await createCall(a, owner, [owner, joiner]);
    const joinerOnA = await TestSocket.connect(a, joiner);
    const joined = await asUser(a, joiner, 'POST', `${call.path}/join`, {}, { connection_id: joinerOnA.connectionId });
    assert.equal(joined.status, 200, JSON.stringify(joined.body));
    const ownerOnB = await TestSocket.connect(b, owner);
    const watched = await asUser(b, owner, 'GET', call.path, undefined, { connection_id: ownerOnB.connectionId });
    assert.equal(watched.status, 200, JSON.stringify(watched.body));

    const [{ node_id: holder } = { node_id: '' }] = await cluster.db.query<{ node_id: string }>(
      'select node_id from session_participants where call_cid = $1 and left_at is null',
      [call.cid],
    );
    const nodeRows = await cluster.db.query<{ node_id: string }>('select node_id from cluster_nodes');
    assert.equal(nodeRows.length, 2, 'both nodes heartbeat');
    assert.ok(
      nodeRows.some((n) => n.node_id === holder),
      'the participation names a live node (node A)',
    );

    await (cluster.nodes[0] as SpawnedNode).kill9();
    const [lastBeat] = await cluster.db.query<{ last_seen_at: string }>(
      'select last_seen_at from cluster_nodes where node_id = $1',
      [holder],
    );
    assert.ok(lastBeat, 'node A was alive until the kill');
    const left = await ownerOnB.event('call.session_participant_left', call.cid, 15_000);
    const leftAt = Date.now();
    assert.equal((left as unknown as { participant: { user: { id: string } } }).participant.user.id, joiner);
    await ownerOnB.event('call.session_ended', call.cid, 5000);
    const dueAt = Date.parse(lastBeat.last_seen_at) + NODE_TTL_MS;
    assert.ok(leftAt >= dueAt, `left only once A's last heartbeat was older than the TTL (${dueAt - leftAt} ms early)`);

    await waitFor(
      async () => (await cluster.db.query('select 1 from cluster_nodes where node_id = $1', [holder])).length === 0,
      "the dead node's row to be reaped",
    );
    const events = await cluster.db.query<{ event_type: string }>(
      'select event_type from outbox where call_cid = $1 order by id',
      [call.cid],
    );
    const types = events.map((e) => e.event_type);
    assert.equal(types.filter((t) => t === 'call.session_participant_left').length, 1, types.join(', '));
    assert.equal(types.filter((t) => t === 'call.session_ended').length, 1, types.join(', '));
    assert.equal(types.at(-1), 'call.session_ended');
    const [callRow] = await cluster.db.query<{ current_session_id: string | null }>(
      'select current_session_id from calls where cid = $1',
      [call.cid],
    );
    assert.equal(callRow?.current_session_id, null, 'the call is not ongoing');
    assert.equal(
      ownerOnB.received.filter((m) => m.type === 'call.session_ended').length,
      1,
      'session_ended delivered once on node B',
    );
    await ownerOnB.close();
  });
});
