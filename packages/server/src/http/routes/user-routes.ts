/** User routes under `/api/v2/users` (docs/api.md "Endpoints"). */
import {
  type DeleteUsersRequest as DeleteBody,
  DeleteUsersRequest,
  type UpdateUsersPartialRequest as PartialBody,
  UpdateUsersPartialRequest,
  type UpsertUsersRequest as UpsertBody,
  UpsertUsersRequest,
} from '@switchboard/protocol';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { inputError } from '../../domain/errors.js';
import type { ServiceContext } from '../../services/context.js';
import { deleteUsers, queryUsers, updateUsersPartial, upsertUsers } from '../../services/users.js';
import { parseJsonInput } from '../json-input.js';

export async function userRoutes(app: FastifyInstance, ctx: ServiceContext): Promise<void> {
  const tags = ['users'];
  app.post<{ Body: UpsertBody }>(
    '/users',
    { schema: { operationId: 'UpsertUsers', tags, body: UpsertUsersRequest } },
    async (req) => ({ users: await upsertUsers(ctx, req.actor, req.body.users) }),
  );

  app.patch<{ Body: PartialBody }>(
    '/users',
    { schema: { operationId: 'UpdateUsersPartial', tags, body: UpdateUsersPartialRequest } },
    async (req) => ({ users: await updateUsersPartial(ctx, req.actor, req.body) }),
  );

  // QueryUsers carries its JSON in the `payload` query parameter. The query engine validates every field of it and
  // names the offending one; here it only has to be a JSON object.
  app.get<{ Querystring: { payload?: string } }>(
    '/users',
    {
      schema: { operationId: 'QueryUsers', tags, querystring: Type.Object({ payload: Type.Optional(Type.String()) }) },
    },
    async (req) => {
      const payload = req.query.payload
        ? parseJsonInput(req.query.payload, 'payload', { maxDepth: ctx.config.limits.maxJsonDepth })
        : {};
      if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
        throw inputError('payload must be a JSON object', 'payload');
      }
      return queryUsers(ctx, req.actor, payload);
    },
  );

  app.post<{ Body: DeleteBody }>(
    '/users/delete',
    { schema: { operationId: 'DeleteUsers', tags, body: DeleteUsersRequest } },
    async (req) => ({ deleted_user_ids: await deleteUsers(ctx, req.actor, req.body) }),
  );
}
