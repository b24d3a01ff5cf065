/**
 * The hosted service's reference page, pasted: every snippet below is written as the page writes it (calls, ringing,
 * custom events, pinning, querying calls and members, call types and permissions), run through `@switchboard/sdk`
 * against a started server on each database, with the outcome of each asserted after it. `tsc -p tsconfig.json`
 * type-checks this file like any other, so a snippet that stops compiling fails CI too.
 *
 * The only departures from the page, each marked `// (edit: …)` where it occurs:
 * - the client construction (`new SwitchboardClient(key, secret, { baseUrl })` instead of the hosted client);
 * - `await` in front of calls the page leaves floating, so each outcome can be asserted in order;
 * - a `!` where this repository's `noUncheckedIndexedAccess` (stricter than TypeScript's `strict`) needs one;
 * - placeholders the page leaves for the reader (the `data` of the upsert example, a participant's session id) filled in.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import {
  type EventName,
  type EventOf,
  SwitchboardClient,
  SwitchboardVideoClient,
  VideoOwnCapability,
} from '@switchboard/sdk';
import WebSocket from 'ws';
import { eachDatabase } from '../support/each-database.js';
import type { TestNode } from '../support/test-node.js';

/** Resolves with the next event of this name, or fails after `timeoutMs`. */
function nextEvent<T extends EventName>(source: Pick<SwitchboardVideoClient, 'on'>, name: T, timeoutMs = 5000) {
  return new Promise<EventOf<T>>((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out waiting for ${name}`));
    }, timeoutMs);
    const off = source.on(name, (event) => {
      clearTimeout(timer);
      off();
      resolve(event);
    });
  });
}

/** A connected client-side user, as an app would have one. */
async function connectAs(t: TestNode, client: SwitchboardClient, userId: string) {
  const token = await client.generateUserToken({ user_id: userId, validity_in_seconds: 3600 });
  const user = new SwitchboardVideoClient({
    apiKey: t.apiKey,
    user: { id: userId },
    token,
    baseUrl: t.baseUrl,
    WebSocket,
  });
  await user.connect();
  return user;
}

eachDatabase('reference page snippets', (node) => {
  // (edit: the client construction)
  const newClient = () => new SwitchboardClient(node().apiKey, node().apiSecret, { baseUrl: node().baseUrl });

  it('creating calls: create, create with members and custom data, upsert', async () => {
    const client = newClient();
    await client.upsertUsers([{ id: 'john' }, { id: 'jack' }, { id: 'sara' }, { id: 'emily' }]);

    const callType = 'default';
    const callId = 'my-first-call';
    const call = client.video.call(callType, callId);

    const first = await call.create({ data: { created_by_id: 'john' } }); // (edit: await)
    assert.equal(first.created, true);
    assert.equal(first.call.created_by.id, 'john');

    // optionally provide additional data
    const second = await call.create({
      // (edit: await)
      data: {
        created_by_id: 'john',
        // Call members need to be existing users
        members: [{ user_id: 'john', role: 'admin' }, { user_id: 'jack' }],
        custom: {
          color: 'blue',
        },
      },
    });
    // The call exists already: create is get-or-create, so the second request changes nothing.
    assert.equal(second.created, false);
    assert.deepEqual(second.call.custom, {});
    assert.deepEqual(second.members, []);

    // Upsert behavior
    const upsert = await call.getOrCreate({ data: {} }); // (edit: await; the page's placeholder data filled in)
    assert.equal(upsert.created, false);
    assert.equal(upsert.call.cid, 'default:my-first-call');
  });

  it('ring flag: a member named "my friend" is rung, the caller is not', async () => {
    const client = newClient();
    await client.upsertUsers([{ id: 'myself' }, { id: 'my friend' }]);
    const friend = await connectAs(node(), client, 'my friend');
    const caller = await connectAs(node(), client, 'myself');
    try {
      const rung = nextEvent(friend, 'call.ring');
      let callerRung = false;
      caller.on('call.ring', () => {
        callerRung = true;
      });

      // or call.create
      // or call.get
      await client.call('default', 'test-outgoing-call').getOrCreate({
        ring: true,
        data: {
          created_by_id: 'myself',
          members: [{ user_id: 'myself' }, { user_id: 'my friend' }],
        },
      });

      const ring = await rung;
      assert.equal(ring.call_cid, 'default:test-outgoing-call');
      assert.equal(ring.user.id, 'myself');
      assert.deepEqual(
        ring.members.map((m) => m.user_id),
        ['my friend'],
      );

      // notify flag
      const notified = nextEvent(friend, 'call.notification');
      await client.call('default', 'test-outgoing-call').getOrCreate({
        notify: true,
        data: {
          created_by_id: 'myself',
          members: [{ user_id: 'myself' }, { user_id: 'my friend' }],
        },
      });
      const notification = await notified;
      assert.equal(notification.user.id, 'myself');
      assert.equal(callerRung, false, 'the caller never receives its own ring');
    } finally {
      friend.disconnect();
      caller.disconnect();
    }
  });

  it('updating calls and managing members', async () => {
    const client = newClient();
    const call = client.video.call('default', 'my-first-call');
    await call.getOrCreate({ data: { created_by_id: 'john' } });

    await call.update({
      // (edit: await)
      settings_override: {
        audio: { mic_default_on: true, default_device: 'speaker' },
      },
    });
    let state = await call.get();
    assert.equal(state.call.settings.audio.mic_default_on, true);
    assert.equal(state.call.settings.audio.default_device, 'speaker');

    await call.update({ custom: { color: 'red' } }); // (edit: await)
    state = await call.get();
    assert.deepEqual(state.call.custom, { color: 'red' });

    // Call members need to be existing users
    await call.updateCallMembers({
      // (edit: await)
      update_members: [{ user_id: 'sara' }, { user_id: 'emily', role: 'admin' }],
    });
    await call.updateCallMembers({ remove_members: ['sara'] }); // (edit: await)
    state = await call.get();
    assert.deepEqual(
      state.members.map((m) => [m.user_id, m.role]),
      [['emily', 'admin']],
    );
  });

  it('query calls and query call members: sorting, pagination, filtering', async () => {
    const client = newClient();
    for (const id of ['q-1', 'q-2', 'q-3']) {
      await client.video.call('default', id).getOrCreate({
        data: {
          created_by_id: 'john',
          members: [{ user_id: 'john', role: 'admin' }, { user_id: 'jack' }, { user_id: 'emily' }],
        },
      });
    }
    const call = client.video.call('default', 'q-1');
    // biome-ignore lint/suspicious/noImplicitAnyLet: as the page writes it; TypeScript narrows it at each assignment
    let response;

    // default sorting
    const all = await client.video.queryCalls(); // (edit: await)
    assert.ok(all.calls.length >= 3);

    // sorting and pagination
    const queryCallsReq = {
      sort: [{ field: 'starts_at', direction: -1 }],
      limit: 2,
    };
    response = await client.video.queryCalls(queryCallsReq);
    assert.equal(response.calls.length, 2);
    assert.ok(response.next, 'more calls follow');

    // loading next page
    const page2 = await client.video.queryCalls({
      // (edit: await)
      ...queryCallsReq,
      next: response.next,
    });
    const seen = [...response.calls, ...page2.calls].map((c) => c.call.cid);
    assert.equal(new Set(seen).size, seen.length, 'the second page does not repeat the first');

    // filtering
    const live = await client.video.queryCalls({
      // (edit: await)
      filter_conditions: { backstage: { $eq: false } },
    });
    assert.ok(live.calls.every((c) => c.call.backstage === false));

    // default sorting
    const members = await call.queryMembers(); // (edit: await)
    assert.equal(members.members.length, 3);

    // sorting and pagination
    const queryMembersReq = {
      sort: [{ field: 'user_id', direction: 1 }],
      limit: 2,
    };
    response = await call.queryMembers(queryMembersReq);
    assert.deepEqual(
      response.members.map((m) => m.user_id),
      ['emily', 'jack'],
    );

    // loading next page
    const next = await call.queryMembers({
      // (edit: await)
      ...queryMembersReq,
      next: response.next,
    });
    assert.deepEqual(
      next.members.map((m) => m.user_id),
      ['john'],
    );

    // filtering
    const admins = await call.queryMembers({
      // (edit: await)
      filter_conditions: { role: { $eq: 'admin' } },
    });
    assert.deepEqual(
      admins.members.map((m) => m.user_id),
      ['john'],
    );
  });

  it('custom events and pinning from the server side', async () => {
    const client = newClient();
    await client.upsertUsers([{ id: 'myself' }, { id: 'my friend' }]);
    const friend = await connectAs(node(), client, 'my friend');
    try {
      const watched = friend.call('default', 'drawing-board');
      await client.video
        .call('default', 'drawing-board')
        .getOrCreate({ data: { created_by_id: 'myself', members: [{ user_id: 'myself' }, { user_id: 'my friend' }] } });
      await watched.join();
      const call = client.video.call('default', 'drawing-board');

      const received = nextEvent(watched, 'custom');
      await call.sendCustomEvent({
        type: 'draw',
        x: 10,
        y: 30,
      });
      const event = await received;
      assert.deepEqual(event.custom, { type: 'draw', x: 10, y: 30 });
      assert.equal(event.user.id, 'myself', "with a server token and no user_id, the call's creator is the sender");

      const { call: state } = await call.get();
      const participant = state.session?.participants.find((p) => p.user.id === 'my friend');
      assert.ok(participant, 'my friend joined');
      // (edit: the page's placeholders filled in with the participant's user_session_id)
      const session_id = participant.user_session_id;
      const user_id = 'my friend';
      const pinned = nextEvent(watched, 'call.pinned');
      await call.pinVideo({ session_id, user_id });
      assert.equal((await pinned).user_id, 'my friend');
      const unpinned = nextEvent(watched, 'call.unpinned');
      await call.unpinVideo({ session_id, user_id });
      assert.equal((await unpinned).session_id, session_id);
      await watched.leave();
    } finally {
      friend.disconnect();
    }
  });

  it('call types: create, update (both forms), read; restrict call access; end the call', async () => {
    const client = newClient();

    const created = await client.video.createCallType({
      // (edit: await)
      name: 'allhands',
      settings: {
        audio: { mic_default_on: true, default_device: 'speaker' },
      },
      grants: {
        admin: [VideoOwnCapability.SEND_AUDIO, VideoOwnCapability.SEND_VIDEO, VideoOwnCapability.MUTE_USERS],
        user: [VideoOwnCapability.SEND_AUDIO, VideoOwnCapability.SEND_VIDEO],
      },
    });
    assert.equal(created.settings.audio.mic_default_on, true);

    const updated = await client.video.updateCallType({
      // (edit: await)
      name: 'allhands',
      settings: {
        audio: { mic_default_on: false, default_device: 'earpiece' },
      },
    });
    assert.equal(updated.settings.audio.default_device, 'earpiece');

    const listed = await client.video.listCallTypes(); // (edit: await)
    assert.ok(listed.call_types.allhands);
    //or
    const livestream = await client.video.getCallType({ name: 'livestream' }); // (edit: await)
    assert.equal(livestream.name, 'livestream');

    const before = await client.video.getCallType('default');
    const call = client.video.call('default', 'my-first-call');
    try {
      const callTypeName = 'default';
      const callType = (await client.video.listCallTypes()).call_types[callTypeName]!; // (edit: !)

      // Remove JOIN_CALL permission from user role
      const userGrants = callType.grants['user']!.filter((c) => c !== VideoOwnCapability.JOIN_CALL); // (edit: !)

      // Make sure JOIN_CALL permission is set for call_member role
      const callMemberGrants = callType.grants['call_member']!; // (edit: !)
      if (!callMemberGrants.includes(VideoOwnCapability.JOIN_CALL)) {
        callMemberGrants.push(VideoOwnCapability.JOIN_CALL);
      }

      // Update the call type with the changes
      await client.video.updateCallType(callTypeName, {
        grants: {
          user: userGrants,
          call_member: callMemberGrants,
        },
      });

      // A plain user may no longer join; a member (jack) still may.
      await client.upsertUsers([{ id: 'outsider' }]);
      const outsider = await client.generateUserToken({ user_id: 'outsider', validity_in_seconds: 60 * 60 });
      const jack = await client.generateUserToken({ user_id: 'jack', validity_in_seconds: 60 * 60 });
      await call.updateCallMembers({ update_members: [{ user_id: 'jack' }] });
      const join = (token: string) =>
        fetch(`${node().baseUrl}/video/call/default/my-first-call/join?api_key=${node().apiKey}`, {
          method: 'POST',
          headers: { authorization: token, 'stream-auth-type': 'jwt', 'content-type': 'application/json' },
          body: '{}',
        });
      assert.equal((await join(outsider)).status, 403);
      assert.equal((await join(jack)).status, 200);

      await call.endCall();
      const { call: ended } = await call.get();
      assert.ok(ended.ended_at, 'the call is ended');
    } finally {
      await client.video.updateCallType('default', { grants: before.grants });
    }
  });
});
