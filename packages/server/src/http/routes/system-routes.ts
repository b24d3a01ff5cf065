/** Unauthenticated operational routes: health and the OpenAPI document. */
import type { FastifyInstance } from 'fastify';

export async function systemRoutes(app: FastifyInstance): Promise<void> {
  const config = { public: true };
  app.get('/healthz', { config, schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/openapi.json', { config, schema: { hide: true } }, async () => app.swagger());
}
