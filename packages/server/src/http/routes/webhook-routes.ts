/**
 * App settings (GetApp / UpdateApp) and the webhook delivery log under `/api/v2`: server tokens only (the services
 * in delivery/ check it).
 */
import {
  ListDeliveriesQuery,
  type ListDeliveriesQuery as ListQuery,
  type ReplayEventsRequest as ReplayBody,
  ReplayEventsRequest,
  UpdateAppRequest,
  type UpdateAppRequest as UpdateBody,
} from '@switchboard/protocol';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { getApp, updateApp } from '../../delivery/app-settings.js';
import type { DeliveryAdmin } from '../../delivery/delivery-admin.js';
import type { ServiceContext } from '../../services/context.js';

export async function webhookRoutes(app: FastifyInstance, ctx: ServiceContext, admin: DeliveryAdmin): Promise<void> {
  app.get('/app', { schema: { operationId: 'GetApp', tags: ['app'] } }, async (req) => ({
    app: await getApp(ctx.store, req.actor),
  }));

  app.patch<{ Body: UpdateBody }>(
    '/app',
    { schema: { operationId: 'UpdateApp', tags: ['app'], body: UpdateAppRequest } },
    async (req) => ({ app: await updateApp(ctx.store, ctx.clock, req.actor, req.body, ctx.config.outbound) }),
  );

  const tags = ['webhooks'];
  app.get<{ Querystring: ListQuery }>(
    '/webhooks/deliveries',
    {
      schema: {
        operationId: 'ListWebhookDeliveries',
        summary: 'Webhook deliveries, newest first, filterable by hook, status and call (Switchboard extension)',
        tags,
        querystring: ListDeliveriesQuery,
      },
    },
    async (req) => admin.list(req.actor, req.query),
  );

  app.post<{ Params: { id: string } }>(
    '/webhooks/deliveries/:id/retry',
    {
      schema: {
        operationId: 'RetryWebhookDelivery',
        summary: 'Sends a dead-lettered delivery again on a fresh retry schedule (Switchboard extension)',
        tags,
        params: Type.Object({ id: Type.String({ maxLength: 32 }) }),
      },
    },
    async (req) => ({ delivery: await admin.retry(req.actor, req.params.id) }),
  );

  app.post<{ Body: ReplayBody }>(
    '/webhooks/replay',
    {
      schema: {
        operationId: 'ReplayWebhookEvents',
        summary: 'Queues every retained event of a time range (optionally one call / some types) to one hook again',
        tags,
        body: ReplayEventsRequest,
      },
    },
    async (req) => ({ queued: await admin.replay(req.actor, req.body) }),
  );
}
