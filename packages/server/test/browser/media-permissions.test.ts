/**
 * Permissions at the media layer, seen from Chromium through the served browser client: a user without
 * `send-video` is refused when publishing video (audio still goes out), and a user whose JoinCall succeeded before
 * the call ended is refused by the SFU (`call_ended`) without `join-ended-call`, although its token is still valid.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SwitchboardClient } from '@switchboard/sdk';
import { startTestNode, type TestNode } from '../support/test-node.js';
import { assertRunnable, mediaSkip, Participant, waitFor } from './media-support.js';

describe('media permissions in Chromium', { skip: mediaSkip }, () => {
  let node: TestNode;
  let server: SwitchboardClient;
  const participants: Participant[] = [];
  const suffix = Date.now().toString(36);

  before(async () => {
    assertRunnable();
    node = await startTestNode('sqlite', { config: { demoTokens: 'on' } });
    server = new SwitchboardClient(node.apiKey, node.apiSecret, { baseUrl: node.baseUrl });
  });
  after(async () => {
    await Promise.all(participants.map((p) => p.close()));
    await node?.stop();
  });

  it('refuses to publish video without send-video, and publishes the audio it may send', async () => {
    const type = `novideo_${suffix}`;
    await server.video.createCallType({
      name: type,
      grants: { user: ['create-call', 'read-call', 'join-call', 'send-audio'] },
    });
    const dave = await Participant.join(node, { user: 'dave', callType: type, callId: `p-${suffix}` });
    participants.push(dave);
    await dave.joined();
    const published = await waitFor('dave to finish publishing', () =>
      dave.page.evaluate(() => {
        const demo = (window as unknown as { demo: unknown }).demo as {
          call: { canPublish: string[]; localTrack(s: string): unknown };
          publishErrors: { source: string; code: string; message: string }[];
        };
        const audio = demo.call.localTrack('audio') !== undefined;
        return audio || demo.publishErrors.length > 1
          ? {
              canPublish: demo.call.canPublish,
              errors: demo.publishErrors,
              audio,
              video: !!demo.call.localTrack('video'),
            }
          : undefined;
      }),
    );
    assert.deepEqual(published.canPublish, ['audio']);
    assert.deepEqual(
      published.errors.map((e) => [e.source, e.code]),
      [['video', 'publish_not_allowed']],
      JSON.stringify(published.errors),
    );
    assert.equal(published.video, false);
    assert.equal(published.audio, true, 'audio was published after the refused video');
  });

  it('refuses the SFU join for a call that ended after JoinCall, without join-ended-call', async () => {
    const callId = `ended-${suffix}`;
    await server.upsertUsers([{ id: 'erin' }]);
    await server.video.call('default', callId).getOrCreate({ data: { created_by_id: 'erin' } });
    const erin = await Participant.join(node, { user: 'erin', callType: 'default', callId, autojoin: false });
    participants.push(erin);
    await erin.page.exposeFunction('endCallNow', async () => {
      await server.video.call('default', callId).endCall({});
    });
    const outcome = await erin.page.evaluate(
      async ({ callId }) => {
        const { SwitchboardMediaClient } = await import('/client/switchboard-client.js' as string);
        const res = await fetch('/demo/token', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ user_id: 'erin' }),
        });
        const { token, api_key } = await res.json();
        const client = new SwitchboardMediaClient({
          apiKey: api_key,
          user: { id: 'erin' },
          token,
          baseUrl: location.origin,
        });
        await client.connect();
        const call = client.call('default', callId);
        // JoinCall succeeds while the call is live; the call ends before the SFU join with the token it returned.
        const join = call.rest.join.bind(call.rest);
        call.rest.join = async (body: unknown) => {
          const response = await join(body);
          await (window as unknown as { endCallNow(): Promise<void> }).endCallNow();
          return response;
        };
        try {
          await call.join();
          return { joined: true };
        } catch (err) {
          return { joined: false, code: (err as { code?: string }).code, message: String(err) };
        }
      },
      { callId },
    );
    assert.equal(outcome.joined, false, 'the SFU refused');
    assert.equal(outcome.code, 'call_ended', outcome.message);
  });
});
