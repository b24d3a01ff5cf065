/**
 * Moderation and leaving, with Chromium participants and an observer on the realtime API (the SDK over `ws`, as an
 * app's backend or another client would watch the call): `mute-users` stops a participant's audio for the others
 * while its video keeps flowing; a kick closes that browser's media connection (4401) and the coordinator emits
 * `call.session_participant_left`; a browser killed outright (SIGKILL, no goodbye) leaves too, and the call goes on
 * for the others.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type CallEvent, SwitchboardClient, SwitchboardVideoClient } from '@switchboard/sdk';
import WebSocket from 'ws';
import { startTestNode, type TestNode } from '../support/test-node.js';
import { assertRunnable, mediaSkip, Participant, waitFor } from './media-support.js';

describe('moderation and leaving in Chromium', { skip: mediaSkip }, () => {
  let node: TestNode;
  let server: SwitchboardClient;
  let observer: SwitchboardVideoClient;
  const events: CallEvent[] = [];
  const participants = new Map<string, Participant>();
  const callId = `mod-${Date.now().toString(36)}`;
  const call = () => server.video.call('default', callId);
  /** POSTs a call action with the server token (the moderator here is the app). */
  const action = async (name: string, body: unknown) => {
    const url = new URL(`/api/v2/video/call/default/${callId}/${name}?api_key=${node.apiKey}`, node.baseUrl);
    const res = await fetch(url, {
      method: 'POST',
      headers: { authorization: node.serverToken, 'stream-auth-type': 'jwt', 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    assert.equal(res.status, 200, `${name}: ${await res.text()}`);
  };
  const leftEvent = (userId: string) =>
    waitFor(`call.session_participant_left for ${userId}`, () =>
      events.find((e) => e.type === 'call.session_participant_left' && e.participant.user.id === userId),
    );

  before(async () => {
    assertRunnable();
    node = await startTestNode('sqlite', { config: { demoTokens: 'on' } });
    server = new SwitchboardClient(node.apiKey, node.apiSecret, { baseUrl: node.baseUrl });
    await server.upsertUsers([{ id: 'observer' }, { id: 'alice' }]);
    await call().getOrCreate({ data: { created_by_id: 'alice' } });
    observer = new SwitchboardVideoClient({
      apiKey: node.apiKey,
      user: { id: 'observer' },
      token: await node.userToken('observer'),
      baseUrl: node.baseUrl,
      WebSocket,
    });
    observer.on('*', (event) => events.push(event));
    await observer.connect();
    await observer.call('default', callId).get(); // watches the call
    for (const user of ['alice', 'bob', 'carol']) {
      const participant = await Participant.join(node, {
        user,
        callType: 'default',
        callId,
        killable: user === 'carol',
      });
      participants.set(user, participant);
      await participant.joined();
    }
  });
  after(async () => {
    observer?.disconnect();
    await Promise.all([...participants.values()].map((p) => p.close()));
    await node?.stop();
  });
  const p = (user: string) => participants.get(user) as Participant;

  it('mute-users stops the muted participant’s audio for the others; its video goes on', async () => {
    await p('alice').receivesFrom('bob');
    await action('mute_users', { user_ids: ['bob'], audio: true });
    // Bob's page is told (the SFU sends track_muted to the publisher too): from here on nothing new is forwarded.
    await waitFor('bob to learn he was muted', () =>
      p('bob').page.evaluate(() => {
        const track = (
          window as unknown as { demo: { call: { localTrack(s: string): MediaStreamTrack } } }
        ).demo.call.localTrack('audio');
        return track && !track.enabled;
      }),
    );
    const before = await p('alice').inboundFrom('bob');
    // Time passes measured by bob's video, which must keep arriving: 40 more frames is about two seconds.
    await waitFor(
      'bob’s video to keep flowing',
      async () => (await p('alice').inboundFrom('bob')).framesDecoded > before.framesDecoded + 40,
    );
    const later = await p('alice').inboundFrom('bob');
    // A few packets may have been in flight when the mute took effect; 50 packets/s would have added ~100 here.
    assert.ok(
      later.audioPackets - before.audioPackets <= 5,
      `audio stopped: ${before.audioPackets} → ${later.audioPackets}`,
    );
  });

  it('a kick closes that browser’s media connection and the participant leaves the session', async () => {
    await action('kick', { user_id: 'bob' });
    const closed = await waitFor('bob’s media connection to close', async () => (await p('bob').state()).closed);
    assert.equal(closed.code, 4401);
    await leftEvent('bob');
    await waitFor('alice to see bob leave', () =>
      p('alice').page.evaluate(() => {
        const call = (window as unknown as { demo: { call: { participants: Map<string, { user_id: string }> } } }).demo
          .call;
        return ![...call.participants.values()].some((x) => x.user_id === 'bob');
      }),
    );
  });

  it('a browser killed outright leaves the call, which goes on for the others', async () => {
    p('carol').kill();
    const left = await leftEvent('carol');
    assert.equal(left.type, 'call.session_participant_left');
    assert.ok(!events.some((e) => e.type === 'call.session_ended'), 'alice is still in the call: the session goes on');
    await waitFor('alice to see carol leave', () =>
      p('alice').page.evaluate(() => {
        const call = (window as unknown as { demo: { call: { participants: Map<string, { user_id: string }> } } }).demo
          .call;
        return ![...call.participants.values()].some((x) => x.user_id === 'carol');
      }),
    );
  });
});
