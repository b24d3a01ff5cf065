/**
 * A media connection owns its participant's liveness like a realtime connection does: a participant who joined over
 * HTTP (no realtime connection) and connected media to node A's SFU leaves, and the session ends, once node A is
 * killed with SIGKILL and its heartbeat is older than the node TTL; node B does it, once.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { joinCall } from '../media/support/media-join.js';
import { SyntheticParticipant } from '../media/support/synthetic-participant.js';
import { asUser, createCall, seedUsers, TestSocket, uid, waitFor } from '../realtime/support.js';
import { postgresSkipReason } from '../support/databases.js';
import { clusterOfNodes, type SpawnedNode } from './spawn-node.js';

const skip = await postgresSkipReason();
const NODE_TTL_MS = 1500;

describe('cluster: media participants of a killed node [postgres, child processes]', { skip }, () => {
  const cluster = clusterOfNodes(2, {
    SWITCHBOARD_NODE_TTL_MS: String(NODE_TTL_MS),
    SWITCHBOARD_TIMER_SWEEP_MS: '100',
  });

  it('kill -9 the node carrying the media: after the TTL the participant leaves and the session ends, once', async () => {
    const [a, b] = [(cluster.nodes[0] as SpawnedNode).asTestNode(), (cluster.nodes[1] as SpawnedNode).asTestNode()];
    const [owner, joiner] = [uid('owner'), uid('joiner')];
    await seedUsers(a, owner, joiner);
    const call = await createCall(a, owner, [owner, joiner]);
    const ownerOnB = await TestSocket.connect(b, owner);
    const watched = await asUser(b, owner, 'GET', call.path, undefined, { connection_id: ownerOnB.connectionId });
    assert.equal(watched.status, 200, JSON.stringify(watched.body));

    const creds = await joinCall(a, call.id, joiner);
    const before = await cluster.db.query<{ node_id: string | null }>(
      'select node_id from session_participants where user_session_id = $1',
      [creds.userSessionId],
    );
    assert.equal(before[0]?.node_id, null, 'an HTTP join without a realtime connection has no liveness owner yet');
    const media = await SyntheticParticipant.join(creds.wsEndpoint, creds.token);
    try {
      const nodeIds = (await cluster.db.query<{ node_id: string }>('select node_id from cluster_nodes')).map(
        (n) => n.node_id,
      );
      const holder = await waitFor(async () => {
        const [row] = await cluster.db.query<{ node_id: string | null }>(
          'select node_id from session_participants where user_session_id = $1',
          [creds.userSessionId],
        );
        return row?.node_id ?? undefined;
      }, 'the media join to record its node');
      assert.ok(nodeIds.includes(holder), 'the participation names a live node (node A, whose SFU carries it)');

      await (cluster.nodes[0] as SpawnedNode).kill9();
      const left = await ownerOnB.event('call.session_participant_left', call.cid, 15_000);
      assert.equal((left as unknown as { participant: { user: { id: string } } }).participant.user.id, joiner);
      await ownerOnB.event('call.session_ended', call.cid, 5000);
      const types = (
        await cluster.db.query<{ event_type: string }>(
          'select event_type from outbox where call_cid = $1 order by id',
          [call.cid],
        )
      ).map((e) => e.event_type);
      assert.equal(types.filter((t) => t === 'call.session_participant_left').length, 1, types.join(', '));
      assert.equal(types.filter((t) => t === 'call.session_ended').length, 1, types.join(', '));
    } finally {
      await media.drop();
      await ownerOnB.close();
    }
  });
});
