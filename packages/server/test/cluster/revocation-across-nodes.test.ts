/**
 * Losing access ends the participation on whichever node carries its media: a member removed by a request node B
 * serves has her media connection on node A's SFU closed and leaves the session (PostgreSQL + Redis, two processes).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SyntheticParticipant } from '../media/support/synthetic-participant.js';
import { seedUsers, uid, waitFor } from '../realtime/support.js';
import { raw } from '../support/raw-http.js';
import { Cluster } from './node-process.js';
import { clusterSkipReason } from './support.js';

const skip = await clusterSkipReason();

describe('cluster: losing access closes media on another node', { skip }, () => {
  let cluster: Cluster;
  const open: SyntheticParticipant[] = [];
  before(async () => {
    cluster = await Cluster.start(2);
  });
  after(async () => {
    await Promise.all(open.map((p) => p.drop()));
    await cluster?.close();
  });
  const a = () => cluster.node(0).view;
  const b = () => cluster.node(1).view;

  it("a member removed through node B leaves, and node A's SFU closes her media", async () => {
    const type = `stage${uid('').replace(/[^a-z0-9]/gi, '')}`.slice(0, 60);
    const speaker = ['read-call', 'join-call', 'send-audio', 'send-video'];
    const created = await raw(a(), 'POST', '/api/v2/video/calltypes', {
      body: { name: type, grants: { user: [], call_member: ['read-call'], speaker } },
    });
    assert.ok(created.status === 200 || created.status === 201, JSON.stringify(created.body));
    const [host, guest, id] = [uid('host'), uid('guest'), uid('call')];
    await seedUsers(a(), host, guest);
    const members = [
      { user_id: host, role: 'speaker' },
      { user_id: guest, role: 'speaker' },
    ];
    const call = await raw(a(), 'POST', `/api/v2/video/call/${type}/${id}`, {
      body: { data: { created_by_id: host, members } },
    });
    assert.equal(call.status, 200, JSON.stringify(call.body));
    const joinOnA = async (userId: string) => {
      const res = await raw(a(), 'POST', `/api/v2/video/call/${type}/${id}/join`, {
        token: await a().userToken(userId),
        body: {},
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      // biome-ignore lint/suspicious/noExplicitAny: raw JSON body
      const creds = (res.body as any).credentials;
      assert.ok(String(creds.server.ws_endpoint).startsWith(a().baseUrl.replace(/^http/, 'ws')), "node A's SFU");
      const p = await SyntheticParticipant.join(creds.server.ws_endpoint, creds.token);
      open.push(p);
      return p;
    };
    const hostMedia = await joinOnA(host);
    const guestMedia = await joinOnA(guest);

    const removed = await raw(b(), 'POST', `/api/v2/video/call/${type}/${id}/members`, {
      body: { remove_members: [guest] },
    });
    assert.equal(removed.status, 200, JSON.stringify(removed.body));
    const code = await guestMedia.until(() => guestMedia.closeCode, 20_000, 'the close of her media on node A');
    assert.equal(code, 1000);
    await hostMedia.waitFor((m) => m.type === 'participant_left' && m.session_id === guestMedia.sessionId, 20_000);
    const row = await waitFor(async () => {
      // biome-ignore lint/suspicious/noExplicitAny: raw JSON body
      const got = (await raw(b(), 'GET', `/api/v2/video/call/${type}/${id}`)).body as any;
      return got.call.session.participants;
    }, 'the session as node B reads it');
    assert.deepEqual(
      row.map((p: { user: { id: string } }) => p.user.id),
      [host],
      'only the host is still in',
    );
    assert.equal(hostMedia.closeCode, undefined);
  });
});
