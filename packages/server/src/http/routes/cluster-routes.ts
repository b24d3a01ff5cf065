/** The cluster's nodes under `/api/v2`: server tokens only (cluster/cluster-nodes.ts checks it). */
import type { FastifyInstance } from 'fastify';
import { listClusterNodes } from '../../cluster/cluster-nodes.js';
import type { ServiceContext } from '../../services/context.js';

export async function clusterRoutes(app: FastifyInstance, ctx: ServiceContext): Promise<void> {
  app.get(
    '/cluster/nodes',
    {
      schema: {
        operationId: 'ListClusterNodes',
        summary: 'The live nodes of the cluster with their load (Switchboard extension)',
        tags: ['cluster'],
      },
    },
    async (req) => ({ nodes: await listClusterNodes(ctx.store, req.actor) }),
  );
}
