/**
 * Call action routes (docs/api.md "Endpoints"): ringing and answering, custom events, pins, blocking, kicking,
 * muting, going live.
 * Parse, call the service, answer. Server tokens name the acting user in the body (`user_id`) where one is needed.
 */
import {
  type ActingUserRequest as ActingUserBody,
  ActingUserRequest,
  type BlockUserRequest as BlockUserBody,
  BlockUserRequest,
  type KickUserRequest as KickUserBody,
  KickUserRequest,
  type MuteUsersRequest as MuteUsersBody,
  MuteUsersRequest,
  type PinRequest as PinBody,
  PinRequest,
  type RejectCallRequest as RejectBody,
  RejectCallRequest,
  type RingCallRequest as RingBody,
  RingCallRequest,
  type SendCallEventRequest as SendCallEventBody,
  SendCallEventRequest,
} from '@switchboard/protocol';
import type { FastifyInstance } from 'fastify';
import {
  blockUser,
  goLive,
  pinVideo,
  sendCustomEvent,
  stopLive,
  unblockUser,
  unpinVideo,
} from '../../services/call-actions.js';
import type { ServiceContext } from '../../services/context.js';
import { kickUser, muteUsers } from '../../services/moderation.js';
import { acceptCall, rejectCall, ringCall } from '../../services/ringing.js';
import { CallParams } from './params.js';

export async function callActionRoutes(app: FastifyInstance, ctx: ServiceContext, hide: boolean): Promise<void> {
  const schema = (operationId: string, body: unknown) => ({
    operationId,
    tags: ['calls'],
    params: CallParams,
    body,
    hide,
  });
  const empty = async (work: Promise<unknown>) => {
    await work;
    return {};
  };

  app.post<{ Params: CallParams; Body: RingBody }>(
    '/call/:type/:id/ring',
    { schema: schema('Ring', RingCallRequest) },
    async (req) => ringCall(ctx, req.actor, req.params, req.body ?? {}),
  );

  app.post<{ Params: CallParams; Body: ActingUserBody }>(
    '/call/:type/:id/accept',
    { schema: schema('AcceptCall', ActingUserRequest) },
    async (req) => empty(acceptCall(ctx, req.actor, req.params, req.body ?? {})),
  );

  app.post<{ Params: CallParams; Body: RejectBody }>(
    '/call/:type/:id/reject',
    { schema: schema('RejectCall', RejectCallRequest) },
    async (req) => empty(rejectCall(ctx, req.actor, req.params, req.body ?? {})),
  );

  app.post<{ Params: CallParams; Body: SendCallEventBody }>(
    '/call/:type/:id/event',
    { schema: schema('SendCallEvent', SendCallEventRequest) },
    async (req) => empty(sendCustomEvent(ctx, req.actor, req.params, req.body)),
  );

  app.post<{ Params: CallParams; Body: PinBody }>(
    '/call/:type/:id/pin',
    { schema: schema('VideoPin', PinRequest) },
    async (req) => empty(pinVideo(ctx, req.actor, req.params, req.body)),
  );

  app.post<{ Params: CallParams; Body: PinBody }>(
    '/call/:type/:id/unpin',
    { schema: schema('VideoUnpin', PinRequest) },
    async (req) => empty(unpinVideo(ctx, req.actor, req.params, req.body)),
  );

  app.post<{ Params: CallParams; Body: BlockUserBody }>(
    '/call/:type/:id/block',
    { schema: schema('BlockUser', BlockUserRequest) },
    async (req) => empty(blockUser(ctx, req.actor, req.params, req.body)),
  );

  app.post<{ Params: CallParams; Body: BlockUserBody }>(
    '/call/:type/:id/unblock',
    { schema: schema('UnblockUser', BlockUserRequest) },
    async (req) => empty(unblockUser(ctx, req.actor, req.params, req.body)),
  );

  app.post<{ Params: CallParams; Body: KickUserBody }>(
    '/call/:type/:id/kick',
    { schema: schema('KickUser', KickUserRequest) },
    async (req) => empty(kickUser(ctx, req.actor, req.params, req.body)),
  );

  app.post<{ Params: CallParams; Body: MuteUsersBody }>(
    '/call/:type/:id/mute_users',
    { schema: schema('MuteUsers', MuteUsersRequest) },
    async (req) => empty(muteUsers(ctx, req.actor, req.params, req.body)),
  );

  app.post<{ Params: CallParams; Body: ActingUserBody }>(
    '/call/:type/:id/go_live',
    { schema: schema('GoLive', ActingUserRequest) },
    async (req) => goLive(ctx, req.actor, req.params, req.body ?? {}),
  );

  app.post<{ Params: CallParams; Body: ActingUserBody }>(
    '/call/:type/:id/stop_live',
    { schema: schema('StopLive', ActingUserRequest) },
    async (req) => stopLive(ctx, req.actor, req.params, req.body ?? {}),
  );
}
