/**
 * Two, then three Chromium instances join one call through the node's demo page (the served browser client) and
 * see and hear each other through the embedded SFU: each one's subscriber connection decodes the others' video and
 * receives their audio, measured from `getStats()`. Pins made by one participant reach the others, in the call
 * state and in the page layout (the pinned one is the large tile).
 *
 * Each test has a call and participants of its own (nothing carries over from an earlier test); the participants
 * are contexts of one Chromium the file shares, each with its own fake devices and peer connections.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { startTestNode, type TestNode } from '../support/test-node.js';
import { assertRunnable, launchChromium, mediaSkip, Participant, waitFor } from './media-support.js';

describe('a call with media in Chromium', { skip: mediaSkip }, () => {
  let node: TestNode;
  let browser: Browser;
  let calls = 0;

  /**
   * Runs `body` with `users` joined, one after another, to a call of its own (`join` adds one more), and closes
   * them all afterwards. `development` grants every capability to every role, pin-for-everyone included.
   */
  async function inCall(
    users: string[],
    body: (participants: Participant[], join: (user: string) => Promise<Participant>) => Promise<void>,
  ): Promise<void> {
    const callId = `media-${Date.now().toString(36)}-${++calls}`;
    const participants: Participant[] = [];
    const join = async (user: string) => {
      const participant = await Participant.join(node, { user, callType: 'development', callId, browser });
      participants.push(participant);
      await participant.joined();
      return participant;
    };
    try {
      for (const user of users) await join(user);
      await body([...participants], join);
    } finally {
      await Promise.all(participants.map((p) => p.close()));
    }
  }

  before(async () => {
    assertRunnable();
    node = await startTestNode('sqlite', { config: { demoTokens: 'on' } });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await node?.stop();
  });

  it('two participants receive each other’s video and audio', async () => {
    await inCall(['alice', 'bob'], async ([alice, bob]) => {
      await Promise.all([alice!.receivesFrom('bob'), bob!.receivesFrom('alice')]);
    });
  });

  it('a third participant receives both others, and both others receive it', async () => {
    await inCall(['alice', 'bob'], async ([alice, bob], join) => {
      await Promise.all([alice!.receivesFrom('bob'), bob!.receivesFrom('alice')]);
      const carol = await join('carol');
      await Promise.all([
        carol.receivesFrom('alice'),
        carol.receivesFrom('bob'),
        alice!.receivesFrom('carol'),
        bob!.receivesFrom('carol'),
      ]);
    });
  });

  it('a pin made by one participant reaches the others, and their layout shows the pinned one large', async () => {
    await inCall(['alice', 'bob', 'carol'], async ([alice, bob, carol]) => {
      const bobSession = await bob!.sessionId();
      await alice!.page.evaluate(
        async ({ session, user }) => {
          const call = (window as unknown as { demo: { call: { pin(p: object): Promise<void> } } }).demo.call;
          await call.pin({ session_id: session, user_id: user });
        },
        { session: bobSession, user: 'bob' },
      );
      for (const other of [carol!, alice!]) {
        const layout = await waitFor(`${other.user} to show bob pinned`, async () => {
          const l = await other.layout();
          return l.staged.includes(bobSession) ? l : undefined;
        });
        assert.deepEqual(layout.pins, [bobSession]);
      }
      const own = await waitFor('bob to learn of his pin', async () =>
        (await bob!.layout()).pins.length ? bob!.layout() : undefined,
      );
      assert.deepEqual(own.pins, [bobSession]);
    });
  });
});
