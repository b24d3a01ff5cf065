/**
 * The embedded SFU forwards what a participant publishes to every other participant (werift peers as synthetic
 * participants, generated VP8 / Opus RTP), renegotiating the subscriber connection as publishers come and go, and
 * relays a key-frame request to the publisher when a subscriber starts.
 */
import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import { seedUsers } from '../support/api-assert.js';
import { eachDatabase } from '../support/each-database.js';
import { raw } from '../support/raw-http.js';
import { joinMedia } from './support/media-join.js';
import type { SyntheticParticipant } from './support/synthetic-participant.js';

eachDatabase('sfu forwarding', (node) => {
  const open: SyntheticParticipant[] = [];
  after(async () => {
    await Promise.all(open.map((p) => p.drop()));
  });
  const join = async (callId: string, userId: string) => {
    const p = await joinMedia(node(), callId, userId);
    open.push(p);
    return p;
  };

  it('forwards a publisher’s audio and video to a subscriber, and asks the publisher for a key frame', async () => {
    await seedUsers(node(), 'ann', 'ben');
    const ann = await join('fwd-1', 'ann');
    const ben = await join('fwd-1', 'ben');
    const joinedBen = await ann.waitFor((m) => m.type === 'participant_joined');
    assert.equal(joinedBen.type === 'participant_joined' && joinedBen.participant.user_id, 'ben');
    assert.equal(await ann.publish(['audio', 'video']), undefined);
    ann.startSending();
    await ben.receivesFrom(ann.sessionId, 'video');
    await ben.receivesFrom(ann.sessionId, 'audio');
    await ann.until(() => ann.pliReceived > 0, 10_000, 'a key-frame request');
    const published = ben.messages.filter((m) => m.type === 'track_published');
    assert.deepEqual(published.map((m) => m.type === 'track_published' && m.track.source).sort(), ['audio', 'video']);
  });

  it('a subscriber’s key-frame request reaches the publisher each time, throttled to one per interval', async () => {
    const ann = await join('fwd-6', 'ann');
    const ben = await join('fwd-6', 'ben');
    assert.equal(await ann.publish(['video']), undefined);
    ann.startSending();
    await ben.receivesFrom(ann.sessionId, 'video');
    await ann.until(() => ann.pliReceived > 0, 10_000, 'the key-frame request sent at subscribe');
    // Each round needs a relayed request: a request left over from the subscription could answer one round at most.
    for (let round = 0; round < 3; round++) {
      const before = ann.pliReceived;
      await ben.requestKeyFrame(ann.sessionId, 'video');
      await ann.until(() => ann.pliReceived > before, 10_000, `relayed key-frame request ${round + 1}`);
    }
    const before = ann.pliReceived;
    const burstAt = performance.now();
    await Promise.all(Array.from({ length: 20 }, () => ben.requestKeyFrame(ann.sessionId, 'video')));
    await ann.until(() => ann.pliReceived > before, 10_000, 'a relayed request from the burst');
    const intervals = Math.ceil((performance.now() - burstAt) / 300);
    assert.ok(
      ann.pliReceived - before <= 1 + intervals,
      `${ann.pliReceived - before} requests relayed from a burst of 20 within ${intervals} intervals of 300 ms`,
    );
  });

  it('a third participant receives what was published before it came, and what is published after (renegotiation)', async () => {
    await seedUsers(node(), 'cat');
    const ann = await join('fwd-2', 'ann');
    const ben = await join('fwd-2', 'ben');
    assert.equal(await ann.publish(['video']), undefined);
    ann.startSending();
    await ben.receivesFrom(ann.sessionId, 'video');
    const cat = await join('fwd-2', 'cat');
    await cat.receivesFrom(ann.sessionId, 'video');
    assert.equal(await ben.publish(['audio', 'video']), undefined);
    ben.startSending();
    await Promise.all([
      ann.receivesFrom(ben.sessionId, 'audio'),
      cat.receivesFrom(ben.sessionId, 'video'),
      cat.receivesFrom(ben.sessionId, 'audio'),
    ]);
    const offers = ann.messages.filter((m) => m.type === 'offer');
    assert.ok(offers.length >= 1);
    const last = offers[offers.length - 1];
    const carried = last?.type === 'offer' ? last.tracks.map((t) => `${t.user_id}/${t.source}`).sort() : [];
    assert.deepEqual(carried, ['ben/audio', 'ben/video'], 'the subscriber offer maps each m-line to its track');
  });

  it('mute-users stops forwarding the muted source; everyone, the muted one included, is told', async () => {
    const ann = await join('fwd-3', 'ann');
    const ben = await join('fwd-3', 'ben');
    assert.equal(await ann.publish(['audio', 'video']), undefined);
    ann.startSending();
    await ben.receivesFrom(ann.sessionId, 'audio');
    const res = await raw(node(), 'POST', '/api/v2/video/call/default/fwd-3/mute_users', {
      body: { user_ids: ['ann'], audio: true, user_id: 'ben' },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    for (const p of [ann, ben]) {
      const muted = await p.waitFor((m) => m.type === 'track_muted');
      assert.equal(muted.type === 'track_muted' && `${muted.user_id}/${muted.source}/${muted.muted}`, 'ann/audio/true');
      assert.equal(muted.type === 'track_muted' && muted.by_user_id, 'ben');
    }
    // Audio forwarded before the mute may still be on its way: 20 video packets forwarded after it are behind it.
    await ben.receivesFrom(ann.sessionId, 'video', 20);
    const audioAfterMute = ben.packetsFrom(ann.sessionId, 'audio');
    // Video keeps flowing: once 50 more video packets arrived, audio sent meanwhile would have arrived too.
    await ben.receivesFrom(ann.sessionId, 'video', 50);
    assert.equal(ben.packetsFrom(ann.sessionId, 'audio'), audioAfterMute, 'no audio forwarded after the mute');
    ann.sendRaw({ v: 1, type: 'mute', source: 'audio', muted: false });
    await ben.receivesFrom(ann.sessionId, 'audio', 20);
  });

  it('a source muted by a moderator before it is published starts muted, until its publisher unmutes it', async () => {
    const ann = await join('fwd-5', 'ann');
    const ben = await join('fwd-5', 'ben');
    assert.equal(await ann.publish(['audio']), undefined);
    ann.startSending();
    await ben.receivesFrom(ann.sessionId, 'audio');
    const res = await raw(node(), 'POST', '/api/v2/video/call/default/fwd-5/mute_users', {
      body: { user_ids: ['ann'], audio: true, video: true, user_id: 'ben' },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    // The audio mute shows the SFU applied the event; the video mute in it waits for a video track.
    await ben.waitFor((m) => m.type === 'track_muted' && m.source === 'audio');
    assert.equal(await ann.publish(['audio', 'video']), undefined);
    const published = await ben.waitFor((m) => m.type === 'track_published' && m.track.source === 'video');
    assert.equal(published.type === 'track_published' && published.track.muted, true, 'published muted');
    const told = await ann.waitFor((m) => m.type === 'track_muted' && m.source === 'video');
    assert.equal(told.type === 'track_muted' && told.by_user_id, 'ben', 'the publisher learns who muted it');
    ann.sendRaw({ v: 1, type: 'mute', source: 'audio', muted: false });
    // Once 30 audio packets arrived after the audio unmute, video sent meanwhile would have arrived too.
    await ben.receivesFrom(ann.sessionId, 'audio', 30);
    assert.equal(ben.packetsFrom(ann.sessionId, 'video'), 0, 'no video while it is muted');
    ann.sendRaw({ v: 1, type: 'mute', source: 'video', muted: false });
    await ben.receivesFrom(ann.sessionId, 'video', 20);
  });

  it('pins made over REST reach every participant over the SFU', async () => {
    const ann = await join('fwd-4', 'ann');
    const ben = await join('fwd-4', 'ben');
    const res = await raw(node(), 'POST', '/api/v2/video/call/default/fwd-4/pin', {
      body: { session_id: ann.sessionId, user_id: 'ann' },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    for (const p of [ann, ben]) {
      const pins = await p.waitFor((m) => m.type === 'pins');
      assert.deepEqual(pins.type === 'pins' && pins.pins.map((x) => `${x.user_id}/${x.session_id}`), [
        `ann/${ann.sessionId}`,
      ]);
    }
    const cat = await join('fwd-4', 'cat');
    const joined = cat.messages.find((m) => m.type === 'joined');
    assert.equal(joined?.type === 'joined' && joined.pins[0]?.session_id, ann.sessionId, 'a joiner gets the pins');
  });
});
