/** Unauthenticated operational routes: liveness, readiness and the OpenAPI document. */
import type { FastifyInstance } from 'fastify';

/** What `/readyz` reports; built by the composition root, which knows the backends. */
export interface Readiness {
  ready: boolean;
  database: boolean;
  /** Null on a single node (no Redis). */
  redis: boolean | null;
  /** The node received SIGTERM (or is closing): load balancers should stop sending it work. */
  draining: boolean;
  /** Why the node is not ready, one clause per failing check; absent when ready. */
  reason?: string;
}

export interface SystemRouteOptions {
  /** Absent on apps built without backends to check: `/readyz` then answers like `/healthz`. */
  ready?: () => Promise<Readiness>;
}

export async function systemRoutes(app: FastifyInstance, options: SystemRouteOptions): Promise<void> {
  const config = { public: true };
  app.get('/healthz', { config, schema: { operationId: 'Health' } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { config, schema: { operationId: 'Readiness' } }, async (_req, reply) => {
    const state = options.ready ? await options.ready() : { ready: true, database: true, redis: null, draining: false };
    const { ready, ...checks } = state;
    reply.code(ready ? 200 : 503);
    return { status: ready ? 'ready' : 'unavailable', ...checks };
  });
  // Sent as text so the API's `duration` field is not added: OpenAPI allows no unknown root fields.
  app.get('/openapi.json', { config, schema: { operationId: 'GetOpenAPIDocument' } }, async (_req, reply) =>
    reply.type('application/json; charset=utf-8').send(JSON.stringify(app.swagger())),
  );
}
