/**
 * One user cannot fill a node's SFU: a user holds at most `SWITCHBOARD_MEDIA_MAX_PARTICIPANTS_PER_USER` media
 * connections on a node (one per call is enough to fill it otherwise), a join over that share is refused with
 * `limit_exceeded`, and a refused media join leaves no participation behind in the call's session.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SfuErrorCode } from '@switchboard/protocol/sfu';
import { seedUsers } from '../support/api-assert.js';
import { testDialects } from '../support/databases.js';
import { startTestNode, type TestNode } from '../support/test-node.js';
import { joinCall, joinMedia } from './support/media-join.js';
import { SyntheticParticipant } from './support/synthetic-participant.js';

/** Polls until the participation is no longer in its session (the SFU reports leaves asynchronously). */
async function leftSession(t: TestNode, userSessionId: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const row = await t.node.ctx.store.read.db
      .selectFrom('session_participants')
      .select('left_at')
      .where('user_session_id', '=', userSessionId)
      .executeTakeFirstOrThrow();
    if (row.left_at !== null) return;
    if (Date.now() > deadline) throw new Error(`participation ${userSessionId} is still in its session`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

for (const dialect of await testDialects()) {
  describe(`sfu: one user's share of the node [${dialect}]`, () => {
    let t: TestNode;
    const open: SyntheticParticipant[] = [];
    before(async () => {
      t = await startTestNode(dialect, { config: { mediaMaxParticipantsPerUser: 2 } });
      await seedUsers(t, 'mal', 'ann');
    });
    after(async () => {
      await Promise.all(open.map((p) => p.drop()));
      await t.stop();
    });

    it('a user over its share is refused with limit_exceeded and its participation leaves the session', async () => {
      for (const id of ['share-1', 'share-2']) open.push(await joinMedia(t, id, 'mal'));
      const third = await joinCall(t, 'share-3', 'mal');
      const refused = await SyntheticParticipant.open(third.wsEndpoint, third.token);
      open.push(refused);
      const error = await refused.waitFor((m) => m.type === 'error');
      assert.equal(error.type === 'error' && error.code, SfuErrorCode.LimitExceeded);
      assert.equal(await refused.closed, 4400);
      await leftSession(t, third.userSessionId);
      const call = await t.node.ctx.store.read.calls.get('default:share-3');
      assert.equal(call?.current_session_id, null, 'the session it started ended with it');
    });

    it('others still join, and the user joins again once one of its connections left', async () => {
      open.push(await joinMedia(t, 'share-3', 'ann'));
      const first = open[0] as SyntheticParticipant;
      await first.leave();
      open.push(await joinMedia(t, 'share-4', 'mal'));
    });
  });
}
