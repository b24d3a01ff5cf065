/**
 * Prometheus metrics at `/metrics`. Each node has its own registry (no prom-client global default), so two nodes
 * in one process do not mix their numbers.
 */
import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';

export async function metricsPlugin(app: FastifyInstance): Promise<void> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const duration = new Histogram({
    name: 'switchboard_http_request_duration_seconds',
    help: 'HTTP request duration by API operation and status code',
    labelNames: ['operation', 'status'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [registry],
  });

  app.addHook('onResponse', async (request, reply) => {
    const schema = request.routeOptions?.schema as { operationId?: string } | undefined;
    const seconds = Number(process.hrtime.bigint() - request.startedAt) / 1e9;
    duration.observe({ operation: schema?.operationId ?? 'other', status: String(reply.statusCode) }, seconds);
  });

  app.get('/metrics', { config: { public: true }, schema: { hide: true } }, async (_request, reply) => {
    reply.header('content-type', registry.contentType);
    return registry.metrics();
  });
}
