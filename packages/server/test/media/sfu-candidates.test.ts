/**
 * Remote ICE candidates at the SFU: werift probes every candidate it is given (STUN, for as long as the connection
 * lives), so the SFU hands it only addresses a client can have, and at most 16 per peer connection. UDP sockets of
 * the test stand in for the probed hosts: a probe is a datagram arriving there.
 */
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { after, before, describe, it } from 'node:test';
import { RTCPeerConnection } from 'werift';
import { sfuPeerConfig } from '../../src/media/embedded/peer-config.js';
import { seedUsers } from '../support/api-assert.js';
import { eachDatabase } from '../support/each-database.js';
import { startTestNode, type TestNode } from '../support/test-node.js';
import { joinMedia } from './support/media-join.js';
import type { SyntheticParticipant } from './support/synthetic-participant.js';

/** A UDP socket on loopback counting the datagrams (STUN checks) it receives. */
async function probeTarget(): Promise<{ port: number; received: () => number; socket: Socket }> {
  const socket = createSocket('udp4');
  let count = 0;
  socket.on('message', () => count++);
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return { port: socket.address().port, received: () => count, socket };
}

eachDatabase('sfu remote candidates', (node) => {
  const open: SyntheticParticipant[] = [];
  const sockets: Socket[] = [];
  after(async () => {
    await Promise.all(open.map((p) => p.drop()));
    for (const s of sockets) s.close();
  });
  const join = async (callId: string, userId: string) => {
    const p = await joinMedia(node(), callId, userId);
    open.push(p);
    return p;
  };

  it('a candidate naming an unspecified or link-local address is never probed; a loopback one is (test scope)', async () => {
    await seedUsers(node(), 'ann');
    const refused = await probeTarget();
    const accepted = await probeTarget();
    sockets.push(refused.socket, accepted.socket);
    const ann = await join('cand-1', 'ann');
    // An offer of its own, whose answer is never applied: the client starts no checks and nothing gets nominated, so
    // the SFU keeps probing every candidate it accepted, highest priority first.
    const pc = new RTCPeerConnection(sfuPeerConfig({ additionalHostAddresses: ['127.0.0.1'] }));
    after(() => pc.close());
    const transceiver = pc.addTransceiver('audio', { direction: 'sendonly' });
    await pc.setLocalDescription(await pc.createOffer());
    // 0.0.0.0 reaches this host on Linux: with the highest priority, it would be probed first if werift had it.
    const listed =
      `a=candidate:9 1 udp 2130706431 0.0.0.0 ${refused.port} typ host\r\n` +
      'a=candidate:8 1 udp 2130706430 169.254.169.254 80 typ host\r\n' +
      `a=candidate:7 1 udp 2000000000 127.0.0.1 ${accepted.port} typ host\r\n`;
    const sdp = (pc.localDescription?.sdp ?? '')
      .replace(/a=candidate:[^\r\n]*\r\n/g, '')
      .replace(/(a=mid:[^\r\n]*\r\n)/, `$1${listed}`);
    ann.sendRaw({ v: 1, type: 'offer', pc: 'publisher', sdp, tracks: [{ mid: transceiver.mid, source: 'audio' }] });
    await ann.waitFor((m) => m.type === 'answer');
    // Checks are retransmitted: by the second one at the accepted target, the refused one would have had its own.
    await ann.until(() => accepted.received() >= 2, 10_000, 'STUN checks at the accepted candidate');
    assert.equal(refused.received(), 0, 'no STUN check to 0.0.0.0');
  });

  it('at most 16 remote candidates per peer connection: further `ice` messages get limit_exceeded', async () => {
    const ann = await join('cand-2', 'ann');
    assert.equal(await ann.publish(['audio']), undefined);
    const from = ann.messages.length;
    for (let i = 0; i < 20; i++) {
      ann.sendRaw({
        v: 1,
        type: 'ice',
        pc: 'publisher',
        candidate: { candidate: `candidate:${i} 1 udp 100 127.0.0.1 ${40_000 + i} typ host`, sdpMid: '0' },
      });
    }
    // Messages are handled in order: the answer to this one comes after every candidate was decided.
    ann.sendRaw({ v: 1, type: 'mute', source: 'screenshare', muted: true });
    await ann.waitFor((m) => m.type === 'error' && m.request_type === 'mute', 10_000, from);
    const refusals = ann.messages.slice(from).filter((m) => m.type === 'error' && m.request_type === 'ice');
    // The offer's own candidates count too (one per interface of this machine), so at least 4 of the 20 are over.
    assert.ok(refusals.length >= 4 && refusals.length <= 20, `refused ${refusals.length}`);
    for (const r of refusals) {
      assert.equal(r.type === 'error' && r.code, 'limit_exceeded');
      assert.equal(r.type === 'error' && r.fatal, false);
    }
    assert.match(refusals[0]?.type === 'error' ? refusals[0].message : '', /at most 16 remote candidates/);
    assert.equal(ann.closeCode, undefined, 'the participant stays');
  });
});

describe('sfu remote candidates, public scope', () => {
  let t: TestNode | undefined;
  const open: SyntheticParticipant[] = [];
  before(async () => {
    t = await startTestNode('sqlite', { config: { mediaCandidateAddresses: 'public' } });
  });
  after(async () => {
    await Promise.all(open.map((p) => p.drop()));
    await t?.stop();
  });

  it('a client whose candidates are all refused still connects: the SFU learns its address from its checks', async () => {
    const node = t as TestNode;
    await seedUsers(node, 'ann', 'ben');
    const ann = await joinMedia(node, 'cand-3', 'ann');
    open.push(ann);
    const ben = await joinMedia(node, 'cand-3', 'ben');
    open.push(ben);
    const noCandidates = (sdp: string) => sdp.replace(/a=candidate:[^\r\n]*\r\n/g, '');
    assert.equal(await ann.publish(['audio', 'video'], undefined, noCandidates), undefined);
    ann.startSending();
    await ben.receivesFrom(ann.sessionId, 'video');
  });
});
