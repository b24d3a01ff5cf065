/**
 * Permissions at the media layer, decided by the coordinator and enforced by the SFU: publishing needs
 * `send-audio` / `send-video`, an offer cannot smuggle an undeclared or mislabelled track, an ended call refuses a
 * media join even with a token minted before it ended, and kick, block and the end of the call close media
 * connections.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { seedUsers } from '../support/api-assert.js';
import { eachDatabase } from '../support/each-database.js';
import { raw } from '../support/raw-http.js';
import { joinCall, joinMedia } from './support/media-join.js';
import { SyntheticParticipant } from './support/synthetic-participant.js';

eachDatabase('sfu permissions', (node) => {
  const open: SyntheticParticipant[] = [];
  after(async () => {
    await Promise.all(open.map((p) => p.drop()));
  });
  const join = async (callId: string, userId: string, type = 'default') => {
    const p = await joinMedia(node(), callId, userId, type);
    open.push(p);
    return p;
  };
  const server = (path: string, body: unknown) => raw(node(), 'POST', `/api/v2/video/call/default/${path}`, { body });

  before(async () => {
    await seedUsers(node(), 'ann', 'ben', 'cat');
    // Users of this type may join and talk but not show video.
    const res = await raw(node(), 'POST', '/api/v2/video/calltypes', {
      body: { name: 'talk', grants: { user: ['create-call', 'read-call', 'join-call', 'send-audio'] } },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
  });

  it('publishing video without send-video is refused with a clear error; audio goes through', async () => {
    const ann = await join('perm-1', 'ann', 'talk');
    const joined = ann.messages.find((m) => m.type === 'joined');
    assert.deepEqual(joined?.type === 'joined' && joined.can_publish, ['audio']);
    assert.equal(await ann.publish(['video']), 'publish_not_allowed');
    const error = ann.messages.find((m) => m.type === 'error');
    assert.match(error?.type === 'error' ? error.message : '', /missing capability send-video/);
    assert.equal(await ann.publish(['audio']), undefined);
  });

  it('a role change that takes send-video away stops the published video at once; unmuting it is refused', async () => {
    // Only the speaker role carries send-video here (every member holds call_member's grants too), so a member role
    // change back to call_member takes it away mid-call.
    const type = await raw(node(), 'POST', '/api/v2/video/calltypes', {
      body: {
        name: 'stage',
        grants: {
          user: ['create-call', 'read-call', 'join-call'],
          call_member: ['send-audio'],
          speaker: ['send-audio', 'send-video'],
        },
      },
    });
    assert.equal(type.status, 201, JSON.stringify(type.body));
    const members = (role: string) =>
      raw(node(), 'POST', '/api/v2/video/call/stage/perm-9/members', {
        body: { update_members: [{ user_id: 'ann', role }, { user_id: 'ben' }] },
      });
    const created = await raw(node(), 'POST', '/api/v2/video/call/stage/perm-9', {
      body: { data: { created_by_id: 'ann' } },
    });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    assert.equal((await members('speaker')).status, 200);
    const ann = await join('perm-9', 'ann', 'stage');
    const ben = await join('perm-9', 'ben', 'stage');
    assert.equal(await ann.publish(['audio', 'video']), undefined);
    ann.startSending();
    await ben.receivesFrom(ann.sessionId, 'video');

    const demoted = await members('call_member');
    assert.equal(demoted.status, 200, JSON.stringify(demoted.body));
    const muted = await ben.waitFor((m) => m.type === 'track_muted');
    assert.equal(muted.type === 'track_muted' && `${muted.user_id}/${muted.source}/${muted.muted}`, 'ann/video/true');
    // Video forwarded before the mute may still be on its way: 20 audio packets forwarded after it are behind it.
    await ben.receivesFrom(ann.sessionId, 'audio', 20);
    const videoAfterMute = ben.packetsFrom(ann.sessionId, 'video');
    // Audio keeps flowing: once 30 more audio packets arrived, video sent meanwhile would have arrived too.
    await ben.receivesFrom(ann.sessionId, 'audio', 30);
    assert.equal(ben.packetsFrom(ann.sessionId, 'video'), videoAfterMute, 'no video forwarded after the mute');

    const from = ann.messages.length;
    ann.sendRaw({ v: 1, type: 'mute', source: 'video', muted: false });
    const refused = await ann.waitFor((m) => m.type === 'error', 10_000, from);
    assert.equal(refused.type === 'error' && refused.code, 'publish_not_allowed');
  });

  it('an offer must declare every sending track with its true kind', async () => {
    const ann = await join('perm-2', 'ann');
    const lie = await ann.publish(['video'], (tracks) => tracks.map((t) => ({ ...t, source: 'audio' })));
    assert.equal(lie, 'sdp_invalid');
    const hidden = await ann.publish(['video'], () => []);
    assert.equal(hidden, 'sdp_invalid');
    assert.equal(await ann.publish(['video']), undefined, 'a truthful offer still works afterwards');
  });

  it('a video section hidden behind a bare line feed is refused whole: nothing is published, no video forwarded', async () => {
    const ann = await join('perm-10', 'ann', 'talk');
    const ben = await join('perm-10', 'ben', 'talk');
    // A reader splitting on LF sees an audio section with mid 0 sending; werift, splitting on CRLF, sees the video
    // section (its "a=inactive" overridden by the later "a=sendonly") and would negotiate video under send-audio.
    const hideVideo = (sdp: string) =>
      sdp.replace(/^(m=video [^\r\n]*\r\n)/m, '$1a=inactive\r\na=x-hidden:1\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n');
    const crafted = await ann.publish(['video'], (tracks) => tracks.map((t) => ({ ...t, source: 'audio' })), hideVideo);
    assert.equal(crafted, 'sdp_invalid');
    // The same lie in consistent CRLF is refused too: the kind is werift's, not the declaration's.
    const lie = await ann.publish(['video'], (tracks) => tracks.map((t) => ({ ...t, source: 'audio' })));
    assert.equal(lie, 'sdp_invalid');
    assert.equal(await ann.publish(['audio']), undefined);
    ann.startSending();
    await ben.receivesFrom(ann.sessionId, 'audio', 30);
    const published = ben.messages.filter((m) => m.type === 'track_published');
    assert.deepEqual(
      published.map((m) => m.type === 'track_published' && m.track.source),
      ['audio'],
      'only the truthful audio track was published',
    );
    assert.equal(ben.packetsFrom(ann.sessionId, 'video'), 0);
  });

  it('capabilities are asked at each offer: demoted, an offer with video is refused; promoted, it is accepted', async () => {
    const type = await raw(node(), 'POST', '/api/v2/video/calltypes', {
      body: {
        name: 'podium',
        grants: {
          user: ['create-call', 'read-call', 'join-call'],
          call_member: ['send-audio'],
          speaker: ['send-audio', 'send-video'],
        },
      },
    });
    assert.equal(type.status, 201, JSON.stringify(type.body));
    const setRole = async (role: string) => {
      const res = await raw(node(), 'POST', '/api/v2/video/call/podium/perm-11/members', {
        body: {
          update_members: [
            { user_id: 'ann', role },
            { user_id: 'ben', role },
          ],
        },
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
    };
    const created = await raw(node(), 'POST', '/api/v2/video/call/podium/perm-11', {
      body: { data: { created_by_id: 'ann' } },
    });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    await setRole('speaker');
    const ann = await join('perm-11', 'ann', 'podium');
    const joinedAnn = ann.messages.find((m) => m.type === 'joined');
    assert.deepEqual(joinedAnn?.type === 'joined' && joinedAnn.can_publish.sort(), ['audio', 'video']);
    assert.equal(await ann.publish(['audio']), undefined);
    await setRole('call_member');
    assert.equal(await ann.publish(['video']), 'publish_not_allowed', 'the join-time capability no longer holds');

    const ben = await join('perm-11', 'ben', 'podium');
    const joinedBen = ben.messages.find((m) => m.type === 'joined');
    assert.deepEqual(joinedBen?.type === 'joined' && joinedBen.can_publish, ['audio']);
    await setRole('speaker');
    assert.equal(await ben.publish(['video']), undefined, 'a capability granted after the join is honoured');
    ben.startSending();
    await ann.receivesFrom(ben.sessionId, 'video');
  });

  it('an offer with more m-sections than the cap is refused with limit_exceeded, before werift sees it', async () => {
    const ann = await join('perm-12', 'ann');
    // 20 copies of the audio section, each with its own mid: over the cap of 16.
    const manySections = (sdp: string) => {
      const start = sdp.indexOf('m=audio');
      const section = sdp.slice(start);
      const copies = Array.from({ length: 20 }, (_, i) => section.replace(/a=mid:[^\r\n]*/, `a=mid:x${i}`));
      return sdp.slice(0, start) + copies.join('');
    };
    assert.equal(await ann.publish(['audio'], () => [], manySections), 'limit_exceeded');
    const error = ann.messages.find((m) => m.type === 'error' && m.code === 'limit_exceeded');
    assert.match(error?.type === 'error' ? error.message : '', /20 m-sections, at most 16/);
    assert.equal(await ann.publish(['audio']), undefined, 'the participant can still publish');
  });

  it('an ended call refuses a media join, even with a token minted before it ended', async () => {
    const creds = await joinCall(node(), 'perm-3', 'ann');
    assert.equal((await server('perm-3/mark_ended', {})).status, 200);
    const late = await SyntheticParticipant.open(creds.wsEndpoint, creds.token);
    open.push(late);
    const error = await late.waitFor((m) => m.type === 'error');
    assert.equal(error.type === 'error' && error.code, 'call_ended');
    assert.match(error.type === 'error' ? error.message : '', /join-ended-call/);
    assert.equal(await late.closed, 4400);
  });

  it('ending the call closes every media connection', async () => {
    const ann = await join('perm-4', 'ann');
    const ben = await join('perm-4', 'ben');
    assert.equal((await server('perm-4/mark_ended', {})).status, 200);
    assert.deepEqual(await Promise.all([ann.closed, ben.closed]), [4410, 4410]);
    const closing = ann.messages.find((m) => m.type === 'closing');
    assert.equal(closing?.type === 'closing' && closing.reason, 'call_ended');
  });

  it('kick closes the kicked user’s media connection and the others see them leave', async () => {
    const ann = await join('perm-5', 'ann');
    const ben = await join('perm-5', 'ben');
    assert.equal((await server('perm-5/kick', { user_id: 'ben' })).status, 200);
    assert.equal(await ben.closed, 4401);
    const left = await ann.waitFor((m) => m.type === 'participant_left');
    assert.equal(left.type === 'participant_left' && left.reason, 'kicked');
    assert.equal(ann.closeCode, undefined, 'the others stay');
  });

  it('blocking closes the blocked user’s media connection and keeps them out', async () => {
    const ann = await join('perm-6', 'ann');
    const creds = await joinCall(node(), 'perm-6', 'cat');
    const cat = await SyntheticParticipant.join(creds.wsEndpoint, creds.token);
    open.push(cat);
    assert.equal((await server('perm-6/block', { user_id: 'cat' })).status, 200);
    assert.equal(await cat.closed, 4403);
    await ann.waitFor((m) => m.type === 'participant_left');
    const again = await SyntheticParticipant.open(creds.wsEndpoint, creds.token);
    open.push(again);
    const error = await again.waitFor((m) => m.type === 'error');
    assert.equal(error.type === 'error' && error.code, 'join_refused');
  });

  it('KickUser needs kick-user and MuteUsers needs mute-users', async () => {
    await join('perm-7', 'ann');
    const asBen = { token: await node().userToken('ben') };
    const kick = await raw(node(), 'POST', '/api/v2/video/call/default/perm-7/kick', {
      ...asBen,
      body: { user_id: 'ann' },
    });
    assert.equal(kick.status, 403);
    const mute = await raw(node(), 'POST', '/api/v2/video/call/default/perm-7/mute_users', {
      ...asBen,
      body: { user_ids: ['ann'], audio: true },
    });
    assert.equal(mute.status, 403);
    const nothing = await server('perm-7/mute_users', { user_ids: ['ann'] });
    assert.equal(nothing.status, 400, 'no source named');
  });
});
