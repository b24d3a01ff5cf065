/**
 * Query routes (docs/api.md "Endpoints"): QueryCalls `POST /calls` and QueryCallMembers `POST /call/members`, under
 * both path families. The body schemas fix only JSON types; the query engine validates the rest and names the
 * offending field. (`/call/members` cannot collide with `/call/:type/:id`: the segment counts differ.)
 */
import {
  ConnectionQuery,
  type QueryCallMembersRequest as MembersBody,
  QueryCallMembersRequest,
  type QueryCallsRequest as QueryCallsBody,
  QueryCallsRequest,
} from '@switchboard/protocol';
import type { FastifyInstance } from 'fastify';
import type { ServiceContext } from '../../services/context.js';
import { queryCallMembers, queryCalls } from '../../services/queries.js';

export async function queryRoutes(app: FastifyInstance, ctx: ServiceContext, hide: boolean): Promise<void> {
  const schema = (operationId: string, parts: Record<string, unknown>) => ({
    operationId,
    tags: ['calls'],
    hide,
    ...parts,
  });

  app.post<{ Body: QueryCallsBody; Querystring: { connection_id?: string } }>(
    '/calls',
    { schema: schema('QueryCalls', { body: QueryCallsRequest, querystring: ConnectionQuery }) },
    async (req) => queryCalls(ctx, req.actor, req.body ?? {}, req.query.connection_id),
  );

  app.post<{ Body: MembersBody }>(
    '/call/members',
    { schema: schema('QueryCallMembers', { body: QueryCallMembersRequest }) },
    async (req) => queryCallMembers(ctx, req.actor, req.body),
  );
}
