/** Call type routes (docs/api.md "Endpoints"). */
import {
  type CreateCallTypeRequest as CreateBody,
  CreateCallTypeRequest,
  type UpdateCallTypeRequest as UpdateBody,
  UpdateCallTypeRequest,
} from '@switchboard/protocol';
import type { FastifyInstance } from 'fastify';
import {
  createCallType,
  deleteCallType,
  getCallType,
  listCallTypes,
  updateCallType,
} from '../../services/call-types.js';
import type { ServiceContext } from '../../services/context.js';
import { CallTypeParams } from './params.js';

type NameParams = { name: string };

export async function callTypeRoutes(app: FastifyInstance, ctx: ServiceContext, hide: boolean): Promise<void> {
  const schema = (operationId: string, parts: Record<string, unknown> = {}) => ({
    operationId,
    tags: ['call types'],
    hide,
    ...parts,
  });

  app.get('/calltypes', { schema: schema('ListCallTypes') }, async (req) => ({
    call_types: await listCallTypes(ctx, req.actor),
  }));

  app.get<{ Params: NameParams }>(
    '/calltypes/:name',
    { schema: schema('GetCallType', { params: CallTypeParams }) },
    async (req) => getCallType(ctx, req.actor, req.params.name),
  );

  app.post<{ Body: CreateBody }>(
    '/calltypes',
    { schema: schema('CreateCallType', { body: CreateCallTypeRequest }) },
    // 201 like the hosted API; returning the object (not `reply.send`) gives it `duration` like every answer.
    async (req, reply) => {
      reply.status(201);
      return createCallType(ctx, req.actor, req.body);
    },
  );

  app.put<{ Params: NameParams; Body: UpdateBody }>(
    '/calltypes/:name',
    { schema: schema('UpdateCallType', { params: CallTypeParams, body: UpdateCallTypeRequest }) },
    async (req) => updateCallType(ctx, req.actor, req.params.name, req.body ?? {}),
  );

  app.delete<{ Params: NameParams }>(
    '/calltypes/:name',
    { schema: schema('DeleteCallType', { params: CallTypeParams }) },
    async (req) => {
      await deleteCallType(ctx, req.actor, req.params.name);
      return {};
    },
  );
}
