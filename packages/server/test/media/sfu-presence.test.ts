/**
 * One record of who is in a call: JoinCall records the participation, the media connection holds it, and its end
 * (leave, socket dropped, HTTP leave) is the participant's leave, announced with the existing session events.
 */
import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import { outbox, seedUsers } from '../support/api-assert.js';
import { eachDatabase } from '../support/each-database.js';
import { raw } from '../support/raw-http.js';
import type { TestNode } from '../support/test-node.js';
import { joinCall, joinMedia } from './support/media-join.js';
import { SyntheticParticipant } from './support/synthetic-participant.js';

/** Waits until the outbox of the call holds `count` events of `type` (leaves are reported asynchronously). */
// biome-ignore lint/suspicious/noExplicitAny: outbox payloads are probed field by field
async function eventsOf(t: TestNode, cid: string, type: string, count: number, timeoutMs = 10_000): Promise<any[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = (await outbox(t)).filter((e) => e.cid === cid && e.type === type);
    if (found.length >= count) return found.map((e) => ({ event: e.event }));
    if (Date.now() > deadline) throw new Error(`expected ${count} ${type} for ${cid}, got ${found.length}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

eachDatabase('sfu presence', (node) => {
  const open: SyntheticParticipant[] = [];
  after(async () => {
    await Promise.all(open.map((p) => p.drop()));
  });
  const join = async (callId: string, userId: string) => {
    const p = await joinMedia(node(), callId, userId);
    open.push(p);
    return p;
  };

  it('a media join is the JoinCall participation: one joined event, and `leave` ends the session', async () => {
    await seedUsers(node(), 'ann', 'ben');
    const ann = await join('pres-1', 'ann');
    const joined = await eventsOf(node(), 'default:pres-1', 'call.session_participant_joined', 1);
    assert.equal(joined.length, 1, 'connecting media announces no second join');
    assert.equal(joined[0]?.event.participant.user_session_id, ann.sessionId);
    await ann.leave();
    assert.equal(ann.closeCode, 1000);
    const left = await eventsOf(node(), 'default:pres-1', 'call.session_participant_left', 1);
    assert.equal(left[0]?.event.participant.user_session_id, ann.sessionId);
    await eventsOf(node(), 'default:pres-1', 'call.session_ended', 1);
  });

  it('a dropped socket is a prompt leave; the session goes on for the others and ends with the last', async () => {
    const ann = await join('pres-2', 'ann');
    const ben = await join('pres-2', 'ben');
    await ann.drop();
    const left = await eventsOf(node(), 'default:pres-2', 'call.session_participant_left', 1, 3_000);
    assert.equal(left[0]?.event.participant.user.id, 'ann');
    const gone = await ben.waitFor((m) => m.type === 'participant_left');
    assert.equal(gone.type === 'participant_left' && gone.reason, 'disconnected');
    assert.equal(
      (await outbox(node())).filter((e) => e.cid === 'default:pres-2' && e.type === 'call.session_ended').length,
      0,
    );
    await ben.drop();
    await eventsOf(node(), 'default:pres-2', 'call.session_ended', 1, 3_000);
  });

  it('an HTTP leave closes the media connection; the token cannot bring the participation back', async () => {
    const creds = await joinCall(node(), 'pres-3', 'ann');
    const ann = await SyntheticParticipant.join(creds.wsEndpoint, creds.token);
    open.push(ann);
    const res = await raw(node(), 'POST', '/api/v2/video/call/default/pres-3/leave', {
      token: await node().userToken('ann'),
      body: {},
    });
    assert.equal(res.status, 200);
    const closing = await ann.waitFor((m) => m.type === 'closing');
    assert.equal(closing.type === 'closing' && closing.reason, 'left');
    assert.equal(await ann.closed, 1000);
    const again = await SyntheticParticipant.open(creds.wsEndpoint, creds.token);
    open.push(again);
    const refused = await again.waitFor((m) => m.type === 'error');
    assert.equal(refused.type === 'error' && refused.code, 'participation_ended');
    assert.equal(await again.closed, 4400);
  });

  it('refuses bad tokens and protocol violations before joining, with a code', async () => {
    const creds = await joinCall(node(), 'pres-4', 'ann');
    const cases: [unknown, string][] = [
      [{ v: 1, type: 'join', token: 'not-a-jwt' }, 'token_invalid'],
      [{ v: 1, type: 'join', token: await node().userToken('ann') }, 'token_invalid'],
      [{ v: 1, type: 'leave' }, 'not_joined'],
      [{ v: 2, type: 'join', token: creds.token }, 'unsupported_version'],
      ['{not json', 'invalid_message'],
    ];
    for (const [message, code] of cases) {
      const socket = await rawSocket(creds.wsEndpoint);
      socket.send(typeof message === 'string' ? message : JSON.stringify(message));
      const [reply, closeCode] = await socket.result;
      assert.equal(reply?.code, code, JSON.stringify(message));
      assert.equal(reply?.fatal, true);
      assert.equal(closeCode, 4400);
    }
  });
});

async function rawSocket(url: string) {
  const { default: WebSocket } = await import('ws');
  const ws = new WebSocket(url);
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  let first: { code?: string; fatal?: boolean } | undefined;
  ws.on('message', (d) => {
    first ??= JSON.parse(d.toString());
  });
  const result = new Promise<[typeof first, number]>((resolve) => ws.on('close', (code) => resolve([first, code])));
  return { send: (text: string) => ws.send(text), result };
}
