/**
 * The client-side SDK (`SwitchboardVideoClient`) against a started node, in Node 20 with `ws`'s WebSocket:
 * connect, events per client and per call, ring → accept, join / leave, reconnect that re-watches, and no
 * reconnect after an auth rejection.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import {
  ErrorCode,
  type EventName,
  type EventOf,
  SwitchboardClient,
  SwitchboardError,
  SwitchboardVideoClient,
} from '@switchboard/sdk';
import WebSocket from 'ws';
import type { TestNode } from '../support/test-node.js';
import { eachRealtimeDatabase, seedUsers, uid } from './support.js';

/** `ws`'s WebSocket, remembering every socket the SDK opens so a test can cut one like a network failure would. */
function recordingWebSocket() {
  const sockets: WebSocket[] = [];
  class Recording extends WebSocket {
    constructor(url: string) {
      super(url);
      sockets.push(this);
    }
  }
  return { sockets, WebSocket: Recording };
}

function clientFor(
  t: TestNode,
  userId: string,
  token: string | (() => Promise<string>),
  ws = recordingWebSocket(),
  fetchImpl?: typeof fetch,
) {
  const client = new SwitchboardVideoClient({
    fetch: fetchImpl,
    apiKey: t.apiKey,
    user: { id: userId, name: userId.toUpperCase() },
    token,
    baseUrl: t.baseUrl,
    WebSocket: ws.WebSocket,
    reconnectInitialDelayMs: 20,
    reconnectMaxDelayMs: 200,
  });
  return { client, sockets: ws.sockets };
}

/** Resolves with the next event of this name (on a client or a call), or fails after `timeoutMs`. */
function nextEvent<T extends EventName>(
  source: Pick<SwitchboardVideoClient, 'on'>,
  name: T,
  timeoutMs = 5000,
): Promise<EventOf<T>> {
  return new Promise((resolve, reject) => {
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

eachRealtimeDatabase('client-side SDK', {}, (node) => {
  it('rings, accepts, joins and leaves through two connected clients', async () => {
    const t = node();
    const [alice, bob] = [uid('alice'), uid('bob')];
    await seedUsers(t, alice, bob);
    const a = clientFor(t, alice, await t.userToken(alice)).client;
    const b = clientFor(t, bob, await t.userToken(bob)).client;
    const okA = await a.connect();
    assert.equal(okA.me.id, alice);
    assert.equal(okA.me.name, alice.toUpperCase(), 'user details are stored on connect');
    await b.connect();

    const ringing = nextEvent(b, 'call.ring');
    const id = uid('call');
    const outgoing = a.call('default', id);
    const accepted = nextEvent(outgoing, 'call.accepted');
    const created = await outgoing.getOrCreate({
      ring: true,
      data: { members: [{ user_id: alice }, { user_id: bob }] },
    });
    assert.equal(created.created, true);
    const ring = await ringing;
    assert.equal(ring.user.id, alice);
    assert.equal(ring.call.id, id);

    const incoming = b.call(ring.call.type, ring.call.id);
    assert.equal(b.call(ring.call.type, ring.call.id), incoming, 'one handle per call');
    await incoming.accept();
    assert.equal((await accepted).user.id, bob);

    const joined = nextEvent(outgoing, 'call.session_participant_joined');
    await incoming.join();
    assert.equal((await joined).participant.user.id, bob);
    assert.equal(outgoing.state.call?.session?.participants.length, 1, 'the call state follows the events');

    const ended = nextEvent(outgoing, 'call.session_ended');
    await incoming.leave();
    await ended;
    a.disconnect();
    b.disconnect();
    assert.equal(a.state, 'closed');
  });

  it('reconnects after the connection drops and watches its calls again', async () => {
    const t = node();
    const [owner, viewer] = [uid('owner'), uid('viewer')];
    await seedUsers(t, owner, viewer);
    const o = clientFor(t, owner, await t.userToken(owner)).client;
    const v = clientFor(t, viewer, await t.userToken(viewer));
    await o.connect();
    const first = await v.client.connect();
    const id = uid('call');
    const ownerCall = o.call('default', id);
    await ownerCall.getOrCreate({ data: { members: [{ user_id: owner }] } });
    const watched = v.client.call('default', id);
    await watched.get(); // a watcher, not a member

    const offline = nextEvent(v.client, 'connection.changed');
    const online = nextEvent(v.client, 'connection.ok');
    const recovered = nextEvent(v.client, 'connection.recovered');
    v.sockets[0]?.terminate(); // what a network failure looks like to the client
    assert.equal((await offline).online, false);
    const second = await online;
    assert.notEqual(second.connection_id, first.connection_id);
    assert.equal(v.client.connectionId, second.connection_id);
    await recovered;
    const custom = nextEvent(watched, 'custom');
    await ownerCall.sendCustomEvent({ after: 'reconnect' });
    assert.deepEqual((await custom).custom, { after: 'reconnect' });
    assert.equal(v.sockets.length, 2);
    o.disconnect();
    v.client.disconnect();
  });

  it('reports a failed re-watch, retries it, and only then says recovered', async () => {
    const t = node();
    const [owner, viewer] = [uid('owner'), uid('viewer')];
    await seedUsers(t, owner, viewer);
    const o = clientFor(t, owner, await t.userToken(owner)).client;
    // The viewer's network drops its next GET of the call once armed: the real server never sees that request.
    let failNextGet = false;
    const flaky: typeof fetch = async (input, init) => {
      if (failNextGet && (init?.method ?? 'GET') === 'GET') {
        failNextGet = false;
        throw new TypeError('fetch failed (simulated network failure)');
      }
      return fetch(input, init);
    };
    const v = clientFor(t, viewer, await t.userToken(viewer), recordingWebSocket(), flaky);
    await o.connect();
    await v.client.connect();
    const id = uid('call');
    const ownerCall = o.call('default', id);
    await ownerCall.getOrCreate({ data: { members: [{ user_id: owner }] } });
    const watched = v.client.call('default', id);
    await watched.get(); // a watcher, not a member: only the re-watch brings its events back

    const order: string[] = [];
    v.client.on('connection.rewatch_failed', (event) => order.push(`failed:${event.call_cid}:${event.will_retry}`));
    v.client.on('connection.recovered', () => order.push('recovered'));
    const recovered = nextEvent(v.client, 'connection.recovered');
    failNextGet = true;
    v.sockets[0]?.terminate();
    await recovered;
    assert.deepEqual(order, [`failed:default:${id}:true`, 'recovered'], 'recovered comes after the retry, not before');
    assert.equal(failNextGet, false, 'the re-watch really went through the failing request');
    const custom = nextEvent(watched, 'custom');
    await ownerCall.sendCustomEvent({ after: 'retried re-watch' });
    assert.deepEqual((await custom).custom, { after: 'retried re-watch' }, 'the call is watched again');
    o.disconnect();
    v.client.disconnect();
  });

  it('drops a call that is gone when re-watching, and still recovers', async () => {
    const t = node();
    const [owner, viewer] = [uid('owner'), uid('viewer')];
    await seedUsers(t, owner, viewer);
    const o = clientFor(t, owner, await t.userToken(owner)).client;
    const v = clientFor(t, viewer, await t.userToken(viewer));
    await o.connect();
    await v.client.connect();
    const id = uid('call');
    await o.call('default', id).getOrCreate({ data: { members: [{ user_id: owner }] } });
    await v.client.call('default', id).get();
    const server = new SwitchboardClient(t.apiKey, t.apiSecret, { baseUrl: t.baseUrl });
    await server.video.call('default', id).delete({ hard: true });

    const failed = nextEvent(v.client, 'connection.rewatch_failed');
    const recovered = nextEvent(v.client, 'connection.recovered');
    v.sockets[0]?.terminate();
    const failure = await failed;
    assert.equal(failure.will_retry, false);
    assert.ok(failure.error instanceof SwitchboardError && failure.error.code === ErrorCode.DoesNotExist);
    await recovered;
    o.disconnect();
    v.client.disconnect();
  });

  it('does not reconnect after an auth rejection (close 1000)', async () => {
    const t = node();
    const user = uid('user');
    await seedUsers(t, user);
    const expired = await t.userToken(user, { exp: Math.floor(Date.now() / 1000) - 60 });
    const { client, sockets } = clientFor(t, user, expired);
    await assert.rejects(client.connect(), (err: unknown) => {
      assert.ok(err instanceof SwitchboardError);
      assert.equal(err.code, ErrorCode.TokenExpired);
      return true;
    });
    assert.equal(client.state, 'closed');
    assert.equal(sockets.length, 1);
  });

  it('with a token provider, retries an expired token once with a fresh one', async () => {
    const t = node();
    const user = uid('user');
    await seedUsers(t, user);
    const tokens = [await t.userToken(user, { exp: Math.floor(Date.now() / 1000) - 60 }), await t.userToken(user)];
    let calls = 0;
    const { client, sockets } = clientFor(t, user, async () => tokens[Math.min(calls++, 1)] as string);
    const ok = await client.connect();
    assert.equal(ok.me.id, user);
    assert.equal(calls, 2);
    assert.equal(sockets.length, 2);
    client.disconnect();
  });
});
