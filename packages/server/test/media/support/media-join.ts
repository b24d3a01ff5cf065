/** JoinCall over raw HTTP, then the SFU: what every media test does first. */
import assert from 'node:assert/strict';
import { raw } from '../../support/raw-http.js';
import type { TestNode } from '../../support/test-node.js';
import { SyntheticParticipant } from './synthetic-participant.js';

export interface MediaCredentials {
  wsEndpoint: string;
  token: string;
  userSessionId: string;
}

/** JoinCall as `userId` (creating the call as needed) and returns where and how to connect media. */
export async function joinCall(
  t: TestNode,
  callId: string,
  userId: string,
  type = 'default',
): Promise<MediaCredentials> {
  const res = await raw(t, 'POST', `/api/v2/video/call/${type}/${callId}/join`, {
    token: await t.userToken(userId),
    body: { create: true },
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  // biome-ignore lint/suspicious/noExplicitAny: raw JSON body
  const body = res.body as any;
  // biome-ignore lint/suspicious/noExplicitAny: raw JSON body
  const mine = body.call.session.participants.filter((p: any) => p.user.id === userId);
  return {
    wsEndpoint: body.credentials.server.ws_endpoint,
    token: body.credentials.token,
    userSessionId: mine[mine.length - 1].user_session_id,
  };
}

/** JoinCall, then join the SFU with the credentials. */
export async function joinMedia(t: TestNode, callId: string, userId: string, type = 'default') {
  const creds = await joinCall(t, callId, userId, type);
  return SyntheticParticipant.join(creds.wsEndpoint, creds.token);
}
