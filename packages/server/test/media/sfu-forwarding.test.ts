/**
 * The embedded SFU forwards what a participant publishes to every other participant (werift peers as synthetic
 * participants, generated VP8 / Opus RTP), renegotiating the subscriber connection as publishers come and go, and
 * relays a key-frame request to the publisher when a subscriber starts.
 */
import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import { seedUsers } from '../support/api-assert.js';
import { eachDatabase } from '../support/each-database.js';
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
});
