/**
 * Losing access ends the participation and its media: whatever takes `join-call` or `read-call` away from a
 * participant — removal from the members, a member role change, a global role change, new grants of the call
 * type, the user's deletion — makes its participation leave the session (`call.session_participant_left`) and
 * closes its SFU connection, so no more media reaches it. The others stay.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { seedUsers } from '../support/api-assert.js';
import { testDialects } from '../support/databases.js';
import { raw } from '../support/raw-http.js';
import { startTestNode, type TestNode } from '../support/test-node.js';
import { SyntheticParticipant } from './support/synthetic-participant.js';

const TYPE = 'stage';
const SPEAKER = ['read-call', 'join-call', 'send-audio', 'send-video'];

async function ok(res: Promise<{ status: number; body: unknown }>): Promise<void> {
  const r = await res;
  assert.ok(r.status === 200 || r.status === 201, JSON.stringify(r.body));
}

async function inSession(t: TestNode, userSessionId: string): Promise<boolean> {
  const row = await t.node.ctx.store.read.db
    .selectFrom('session_participants')
    .select('left_at')
    .where('user_session_id', '=', userSessionId)
    .executeTakeFirstOrThrow();
  return row.left_at === null;
}

for (const dialect of await testDialects()) {
  describe(`sfu: losing access ends the participation [${dialect}]`, () => {
    let t: TestNode;
    const open: SyntheticParticipant[] = [];
    let n = 0;
    before(async () => {
      t = await startTestNode(dialect);
      // Only members hold read-call; only speakers (and the global role `vip`) may join.
      await ok(
        raw(t, 'POST', '/api/v2/video/calltypes', {
          body: { name: TYPE, grants: { user: [], call_member: ['read-call'], speaker: SPEAKER, vip: SPEAKER } },
        }),
      );
    });
    after(async () => {
      await Promise.all(open.map((p) => p.drop()));
      await t.stop();
    });

    /** A call of `stage` where `host` and `guest` (with `guestRole`, or no membership) are in with media. */
    async function callWithMedia(guest: string, guestRole: string | undefined) {
      const id = `rev-${++n}`;
      const host = `host-${n}`;
      await seedUsers(t, host, guest);
      const members = [{ user_id: host, role: 'speaker' }, ...(guestRole ? [{ user_id: guest, role: guestRole }] : [])];
      await ok(
        raw(t, 'POST', `/api/v2/video/call/${TYPE}/${id}`, { body: { data: { created_by_id: host, members } } }),
      );
      const join = async (userId: string) => {
        const res = await raw(t, 'POST', `/api/v2/video/call/${TYPE}/${id}/join`, {
          token: await t.userToken(userId),
          body: {},
        });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        // biome-ignore lint/suspicious/noExplicitAny: raw JSON body
        const creds = (res.body as any).credentials;
        const p = await SyntheticParticipant.join(creds.server.ws_endpoint, creds.token);
        open.push(p);
        return p;
      };
      const hostMedia = await join(host);
      const guestMedia = await join(guest);
      await hostMedia.waitFor((m) => m.type === 'participant_joined' && m.participant.user_id === guest);
      return { id, host, hostMedia, guestMedia };
    }

    async function assertRevoked(call: Awaited<ReturnType<typeof callWithMedia>>) {
      const code = await call.guestMedia.until(() => call.guestMedia.closeCode, 10_000, 'the close of the media');
      assert.equal(code, 1000, "the guest's media connection is closed");
      assert.equal(await inSession(t, call.guestMedia.sessionId), false, 'the guest left the session');
      const left = await call.hostMedia.waitFor(
        (m) => m.type === 'participant_left' && m.session_id === call.guestMedia.sessionId,
      );
      assert.ok(left, 'the others are told');
      assert.equal(await inSession(t, call.hostMedia.sessionId), true, 'the host stays');
      assert.equal(call.hostMedia.closeCode, undefined);
    }

    it('a removed member', async () => {
      const call = await callWithMedia('rm-guest', 'speaker');
      await ok(
        raw(t, 'POST', `/api/v2/video/call/${TYPE}/${call.id}/members`, { body: { remove_members: ['rm-guest'] } }),
      );
      await assertRevoked(call);
    });

    it('a member whose new role lacks join-call', async () => {
      const call = await callWithMedia('role-guest', 'speaker');
      await ok(
        raw(t, 'POST', `/api/v2/video/call/${TYPE}/${call.id}/members`, {
          body: { update_members: [{ user_id: 'role-guest', role: 'listener' }] },
        }),
      );
      await assertRevoked(call);
    });

    it('a user whose global role changed', async () => {
      await seedUsers(t, 'vip-guest');
      await ok(raw(t, 'PATCH', '/api/v2/users', { body: { users: [{ id: 'vip-guest', set: { role: 'vip' } }] } }));
      const call = await callWithMedia('vip-guest', 'listener');
      await ok(raw(t, 'PATCH', '/api/v2/users', { body: { users: [{ id: 'vip-guest', set: { role: 'user' } }] } }));
      await assertRevoked(call);
    });

    it('a deleted user', async () => {
      const call = await callWithMedia('gone-guest', 'speaker');
      await ok(raw(t, 'POST', '/api/v2/users/delete', { body: { user_ids: ['gone-guest'], user: 'soft' } }));
      await assertRevoked(call);
    });

    it("the call type's grants taking join-call from a role", async () => {
      await ok(raw(t, 'PUT', `/api/v2/video/calltypes/${TYPE}`, { body: { grants: { guest: SPEAKER } } }));
      const call = await callWithMedia('grant-guest', 'guest');
      await ok(raw(t, 'PUT', `/api/v2/video/calltypes/${TYPE}`, { body: { grants: { guest: ['read-call'] } } }));
      await assertRevoked(call);
    });
  });
}
