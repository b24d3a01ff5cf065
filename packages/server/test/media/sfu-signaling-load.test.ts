/**
 * One participant looping offers cannot take the node: offers beyond a burst are refused on arrival with
 * `rate_limited` (before anything parses them), and `/healthz` answers during the flood about as fast as before it.
 * Latencies are compared with a baseline and with the cost of one offer, both measured in the same test.
 */
import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import { RTCPeerConnection } from 'werift';
import { sfuPeerConfig } from '../../src/media/embedded/peer-config.js';
import { seedUsers } from '../support/api-assert.js';
import { eachDatabase } from '../support/each-database.js';
import type { TestNode } from '../support/test-node.js';
import { joinMedia } from './support/media-join.js';
import type { SyntheticParticipant } from './support/synthetic-participant.js';

/** An offer with `sections` receive-only audio m-sections: nothing to declare, all of it for werift to negotiate. */
async function heavyOffer(sections: number): Promise<string> {
  const pc = new RTCPeerConnection(sfuPeerConfig({ additionalHostAddresses: ['127.0.0.1'] }));
  for (let i = 0; i < sections; i++) pc.addTransceiver('audio', { direction: 'recvonly' });
  await pc.setLocalDescription(await pc.createOffer());
  const sdp = pc.localDescription?.sdp ?? '';
  await pc.close();
  return sdp;
}

async function healthzMs(t: TestNode): Promise<number> {
  const start = performance.now();
  const res = await fetch(new URL('/healthz', t.baseUrl));
  assert.equal(res.status, 200);
  await res.text();
  return performance.now() - start;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

eachDatabase('sfu signaling load', (node) => {
  const open: SyntheticParticipant[] = [];
  after(async () => {
    await Promise.all(open.map((p) => p.drop()));
  });

  it('a socket flooding offers gets rate_limited, and /healthz keeps its latency', async () => {
    await seedUsers(node(), 'ann');
    const ann = await joinMedia(node(), 'load-1', 'ann');
    open.push(ann);
    const sdp = await heavyOffer(16);
    const offer = { v: 1, type: 'offer', pc: 'publisher', sdp, tracks: [] };

    const baseline: number[] = [];
    for (let i = 0; i < 9; i++) baseline.push(await healthzMs(node()));
    // What one accepted offer of the largest size costs, end to end, on this machine right now.
    const started = performance.now();
    ann.sendRaw(offer);
    await ann.waitFor((m) => m.type === 'answer' || m.type === 'error');
    const offerMs = performance.now() - started;
    assert.equal(
      ann.messages.find((m) => m.type === 'error'),
      undefined,
      'the offer is accepted',
    );

    const floodStart = performance.now();
    const during: number[] = [];
    for (let round = 0; round < 9; round++) {
      for (let i = 0; i < 20; i++) ann.sendRaw(offer);
      during.push(await healthzMs(node()));
    }
    // A last message after the flood: once it is answered, every offer before it was decided.
    ann.sendRaw({ v: 1, type: 'mute', source: 'screenshare', muted: true });
    await ann.waitFor((m) => m.type === 'error' && m.request_type === 'mute');
    const floodSeconds = (performance.now() - floodStart) / 1000;

    const answers = ann.messages.filter((m) => m.type === 'answer').length - 1;
    const limited = ann.messages.filter((m) => m.type === 'error' && m.code === 'rate_limited').length;
    // The burst (8, one spent above) plus one per second of flood; everything else refused on arrival.
    assert.ok(answers <= 7 + Math.ceil(floodSeconds) + 1, `${answers} offers answered in ${floodSeconds} s`);
    assert.equal(answers + limited, 180, 'every offer is answered or refused');
    // Unlimited, each round's 20 offers would cost about 20 offers' time before healthz got its turn.
    const allowed = median(baseline) * 3 + offerMs;
    assert.ok(
      median(during) <= allowed,
      `healthz median ${median(during).toFixed(1)} ms during the flood, baseline ${median(baseline).toFixed(1)} ms, ` +
        `one offer ${offerMs.toFixed(1)} ms`,
    );
    assert.equal(ann.closeCode, undefined, 'a rate-limited participant stays');
  });
});
