/**
 * Devices (CreateDevice / ListDevices / DeleteDevice) on `/api/v2/devices` (server-side family) and
 * `/video/devices` (client-side family), and the operators' test push on `/api/v2/push/test`.
 */
import {
  type CreateDeviceRequest as CreateBody,
  CreateDeviceRequest,
  DeleteDeviceQuery,
  type DeleteDeviceQuery as DeleteQuery,
  ListDevicesQuery,
  type ListDevicesQuery as ListQuery,
  type TestPushRequest as TestBody,
  TestPushRequest,
  type TestPushResult,
} from '@switchboard/protocol';
import type { FastifyInstance } from 'fastify';
import { createDevice, deleteDevice, listDevices } from '../../delivery/push/devices.js';
import type { Actor } from '../../domain/actor.js';
import type { ServiceContext } from '../../services/context.js';

export async function deviceRoutes(app: FastifyInstance, ctx: ServiceContext): Promise<void> {
  const tags = ['devices'];
  app.post<{ Body: CreateBody }>(
    '/devices',
    { schema: { operationId: 'CreateDevice', tags, body: CreateDeviceRequest } },
    async (req, reply) => {
      const device = await createDevice(ctx.store, ctx.clock, req.actor, req.body, ctx.config.outbound.webPush);
      reply.status(201); // returned (not `reply.send`) so the answer gets `duration` like every other
      return { device };
    },
  );
  app.get<{ Querystring: ListQuery }>(
    '/devices',
    { schema: { operationId: 'ListDevices', tags, querystring: ListDevicesQuery } },
    async (req) => ({ devices: await listDevices(ctx.store, req.actor, req.query.user_id) }),
  );
  app.delete<{ Querystring: DeleteQuery }>(
    '/devices',
    { schema: { operationId: 'DeleteDevice', tags, querystring: DeleteDeviceQuery } },
    async (req) => {
      await deleteDevice(ctx.store, req.actor, req.query);
      return {};
    },
  );
}

export async function testPushRoutes(
  app: FastifyInstance,
  testPush: (actor: Actor, body: TestBody) => Promise<TestPushResult[]>,
): Promise<void> {
  app.post<{ Body: TestBody }>(
    '/push/test',
    { schema: { operationId: 'TestPush', tags: ['devices'], body: TestPushRequest } },
    async (req) => ({ results: await testPush(req.actor, req.body) }),
  );
}
