/** User routes under `/api/v2/users` (API.md "Endpoints"). */
import {
  type DeleteUsersRequest as DeleteBody,
  DeleteUsersRequest,
  type UpdateUsersPartialRequest as PartialBody,
  QueryUsersPayload,
  UpdateUsersPartialRequest,
  type UpsertUsersRequest as UpsertBody,
  UpsertUsersRequest,
} from '@switchboard/protocol';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { inputError } from '../../domain/errors.js';
import type { ServiceContext } from '../../services/context.js';
import { deleteUsers, queryUsers, updateUsersPartial, upsertUsers } from '../../services/users.js';
import { validatorCompiler } from '../validation.js';

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

  // QueryUsers carries its JSON in the `payload` query parameter; it is validated like a body.
  const validatePayload = validatorCompiler()({
    schema: QueryUsersPayload,
    httpPart: 'body',
    method: 'GET',
    url: '/users',
  });
  app.get<{ Querystring: { payload?: string } }>(
    '/users',
    {
      schema: { operationId: 'QueryUsers', tags, querystring: Type.Object({ payload: Type.Optional(Type.String()) }) },
    },
    async (req) => {
      let payload: unknown = {};
      try {
        payload = req.query.payload ? JSON.parse(req.query.payload) : {};
      } catch {
        throw inputError('payload is not valid JSON', 'payload');
      }
      if (!validatePayload(payload)) {
        const first = (validatePayload as unknown as { errors?: { instancePath: string; message?: string }[] })
          .errors?.[0];
        const field = `payload${first?.instancePath.replaceAll('/', '.') ?? ''}`;
        throw inputError(`${field} ${first?.message ?? 'is invalid'}`, field);
      }
      return { users: await queryUsers(ctx, req.actor, payload as QueryUsersPayload) };
    },
  );

  app.post<{ Body: DeleteBody }>(
    '/users/delete',
    { schema: { operationId: 'DeleteUsers', tags, body: DeleteUsersRequest } },
    async (req) => ({ deleted_user_ids: await deleteUsers(ctx, req.actor, req.body) }),
  );
}
