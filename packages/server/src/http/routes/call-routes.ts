/** Call routes (docs/api.md "Endpoints"): parse, call the service, answer. No decisions here. */
import {
  ActingUserRequest,
  ConnectionQuery,
  type DeleteCallRequest as DeleteCallBody,
  DeleteCallRequest,
  GetCallQuery,
  type GetCallQuery as GetCallQueryT,
  type GetOrCreateCallRequest as GetOrCreateBody,
  GetOrCreateCallRequest,
  type JoinCallRequest as JoinBody,
  JoinCallRequest,
  type LeaveCallRequest as LeaveBody,
  LeaveCallRequest,
  toCid,
  type UpdateCallRequest as UpdateCallBody,
  UpdateCallMembersRequest,
  UpdateCallRequest,
  type UpdateCallMembersRequest as UpdateMembersBody,
} from '@switchboard/protocol';
import type { FastifyInstance } from 'fastify';
import { getCallRealtime, getOrCreateCallRealtime, joinCallRealtime } from '../../services/call-entry.js';
import { deleteCall, endCall, updateCall } from '../../services/calls.js';
import type { ServiceContext } from '../../services/context.js';
import { updateCallMembers } from '../../services/members.js';
import { leaveCall } from '../../services/sessions.js';
import { CallParams } from './params.js';

export async function callRoutes(app: FastifyInstance, ctx: ServiceContext, hide: boolean): Promise<void> {
  const schema = (operationId: string, parts: Record<string, unknown> = {}) => ({
    operationId,
    tags: ['calls'],
    params: CallParams,
    hide,
    ...parts,
  });

  app.post<{ Params: CallParams; Body: GetOrCreateBody; Querystring: { connection_id?: string } }>(
    '/call/:type/:id',
    { schema: schema('GetOrCreateCall', { body: GetOrCreateCallRequest, querystring: ConnectionQuery }) },
    async (req) => getOrCreateCallRealtime(ctx, req.actor, req.params, req.body ?? {}, req.query.connection_id),
  );

  app.get<{ Params: CallParams; Querystring: GetCallQueryT }>(
    '/call/:type/:id',
    { schema: schema('GetCall', { querystring: GetCallQuery }) },
    async (req) => getCallRealtime(ctx, req.actor, req.params, req.query),
  );

  app.patch<{ Params: CallParams; Body: UpdateCallBody }>(
    '/call/:type/:id',
    { schema: schema('UpdateCall', { body: UpdateCallRequest }) },
    async (req) => updateCall(ctx, req.actor, req.params, req.body ?? {}),
  );

  app.post<{ Params: CallParams; Body: UpdateMembersBody }>(
    '/call/:type/:id/members',
    { schema: schema('UpdateCallMembers', { body: UpdateCallMembersRequest }) },
    async (req) =>
      updateCallMembers(ctx, req.actor, req.params.type, toCid(req.params.type, req.params.id), req.body ?? {}),
  );

  app.post<{ Params: CallParams }>(
    '/call/:type/:id/mark_ended',
    { schema: schema('EndCall', { body: ActingUserRequest }) },
    async (req) => {
      await endCall(ctx, req.actor, req.params);
      return {};
    },
  );

  app.post<{ Params: CallParams; Body: DeleteCallBody }>(
    '/call/:type/:id/delete',
    { schema: schema('DeleteCall', { body: DeleteCallRequest }) },
    async (req) => deleteCall(ctx, req.actor, req.params, req.body ?? {}),
  );

  app.post<{ Params: CallParams; Body: JoinBody; Querystring: { connection_id?: string } }>(
    '/call/:type/:id/join',
    { schema: schema('JoinCall', { body: JoinCallRequest, querystring: ConnectionQuery }) },
    async (req) => joinCallRealtime(ctx, req.actor, req.params, req.body ?? {}, req.query.connection_id),
  );

  app.post<{ Params: CallParams; Body: LeaveBody }>(
    '/call/:type/:id/leave',
    { schema: schema('LeaveCall', { body: LeaveCallRequest }) },
    async (req) => {
      await leaveCall(ctx, req.actor, req.params, req.body ?? {});
      return {};
    },
  );
}
