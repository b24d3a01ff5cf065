/**
 * Prometheus metrics at `/metrics`. Each node has its own registry (no prom-client global default), so two nodes
 * in one process do not mix their numbers.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import type { AccessLog } from './access-log.js';
import { asList } from './route-hooks.js';

export interface RequestMetrics {
  /** Records a request that no route answered (the not-found handler): routes record their own. */
  observeUnrouted(request: FastifyRequest, reply: FastifyReply, status: number, startedAt: number): void;
}

/** `accessLog` (http/access-log.ts), when on, writes its line from the same per-route hook. */
export async function metricsPlugin(
  app: FastifyInstance,
  registry = new Registry(),
  accessLog?: AccessLog,
): Promise<RequestMetrics> {
  collectDefaultMetrics({ register: registry });
  const duration = new Histogram({
    name: 'switchboard_http_request_duration_seconds',
    help: 'HTTP request duration by API operation and status code',
    labelNames: ['operation', 'status'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [registry],
  });

  // Each route observes into its own operation's series, bound once per status code: observing through a label
  // object hashes the labels on every request, and reading the route's schema per request builds an object.
  app.addHook('onRoute', (route) => {
    const operation = (route.schema as { operationId?: string } | undefined)?.operationId ?? 'other';
    const byStatus = new Map<number, { observe(seconds: number): void }>();
    const observe = (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => {
      let series = byStatus.get(reply.statusCode);
      if (!series) {
        series = duration.labels(operation, String(reply.statusCode));
        byStatus.set(reply.statusCode, series);
      }
      series.observe((performance.now() - request.startedAt) / 1000);
      accessLog?.(request, reply, request.startedAt);
      done();
    };
    route.onResponse = [...asList(route.onResponse), observe];
  });

  app.get('/metrics', { config: { public: true }, schema: { operationId: 'Metrics' } }, async (_request, reply) => {
    reply.header('content-type', registry.contentType);
    return registry.metrics();
  });

  return {
    observeUnrouted(request, reply, status, startedAt) {
      duration.observe({ operation: 'other', status: String(status) }, (performance.now() - startedAt) / 1000);
      accessLog?.(request, reply.code(status), startedAt);
    },
  };
}
