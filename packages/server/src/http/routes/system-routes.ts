/** Unauthenticated operational routes: health and the OpenAPI document. */
import type { FastifyInstance } from 'fastify';

export async function systemRoutes(app: FastifyInstance): Promise<void> {
  const config = { public: true };
  app.get('/healthz', { config, schema: { operationId: 'Health' } }, async () => ({ status: 'ok' }));
  // Sent as text so the API's `duration` field is not added: OpenAPI allows no unknown root fields.
  app.get('/openapi.json', { config, schema: { operationId: 'GetOpenAPIDocument' } }, async (_req, reply) =>
    reply.type('application/json; charset=utf-8').send(JSON.stringify(app.swagger())),
  );
}
