/**
 * Builds the HTTP server: JSON parsing, validation, authentication, the error mapper, `duration` on every body,
 * and the routes, mounted under both path families (`/api/v2/video/...` and `/video/...`).
 */
import swagger from '@fastify/swagger';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyRequest, LogController } from 'fastify';
import type { Logger } from 'pino';
import type { Actor } from '../domain/actor.js';
import { ApiError } from '../domain/errors.js';
import type { Authenticator } from '../services/authenticate.js';
import type { ServiceContext } from '../services/context.js';
import { formatDuration } from './duration.js';
import { apiErrorSchema, errorBody, internalError, toApiError } from './error-mapper.js';
import { parseJsonInput } from './json-input.js';
import { serializeReply } from './json-reply.js';
import { metricsPlugin } from './metrics.js';
import { attachRouteHooks } from './route-hooks.js';
import { callActionRoutes } from './routes/call-action-routes.js';
import { callRoutes } from './routes/call-routes.js';
import { callTypeRoutes } from './routes/call-type-routes.js';
import { queryRoutes } from './routes/query-routes.js';
import { systemRoutes } from './routes/system-routes.js';
import { userRoutes } from './routes/user-routes.js';
import { clientError, routingError } from './transport-errors.js';
import { validatorCompiler } from './validation.js';

declare module 'fastify' {
  interface FastifyRequest {
    actor: Actor;
    /** `performance.now()` when the request arrived (set by the route's first hook). */
    startedAt: number;
  }
  interface FastifyContextConfig {
    /** Routes that answer without api_key/token (health, metrics, OpenAPI). */
    public?: boolean;
  }
}

export interface HttpDeps {
  ctx: ServiceContext;
  auth: Authenticator;
  logger: Logger;
  bodyLimit?: number;
}

function operationOf(request: FastifyRequest): string {
  const schema = request.routeOptions?.schema as { operationId?: string } | undefined;
  return schema?.operationId ?? 'Request';
}

export async function buildHttpApp(deps: HttpDeps): Promise<FastifyInstance> {
  const app = Fastify({
    // pino's Logger and fastify's base logger type differ only in generics; the instance is the same.
    loggerInstance: deps.logger as unknown as FastifyBaseLogger,
    bodyLimit: deps.bodyLimit ?? 1024 * 1024,
    // Per-request logs are off: metrics cover traffic, and errors are logged by the error handler.
    logController: new LogController({ disableRequestLogging: true }),
    requestIdHeader: 'x-request-id',
    // No child logger per request: it costs a pino child (bindings serialized) on every request, and the one
    // place that logs per request (the error handler) names the request id itself.
    childLoggerFactory: (logger) => logger,
    // Refusals before routing answer in the API error shape too (transport-errors.ts).
    frameworkErrors: routingError,
    clientErrorHandler: clientError,
  });
  app.setValidatorCompiler(validatorCompiler(deps.ctx.config.limits));
  // Objects sent without a route handler's help (error bodies): they carry their own `duration`.
  app.setReplySerializer((payload) => serializeReply(payload));
  app.decorateRequest('actor', undefined as unknown as { getter: () => Actor });
  app.decorateRequest('startedAt', 0);

  const jsonLimits = { maxDepth: deps.ctx.config.limits.maxJsonDepth };
  // An empty JSON body means `{}` (clients send POSTs like mark_ended without a body).
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const text = String(body);
    if (text.trim() === '') return done(null, {});
    try {
      done(null, parseJsonInput(text, 'body', jsonLimits));
    } catch (err) {
      done(err as Error, undefined);
    }
  });

  attachRouteHooks(app, deps.auth);

  app.setErrorHandler(async (err, request, reply) => {
    let apiError = toApiError(err);
    if (!apiError) {
      request.log.error({ err, reqId: request.id }, 'unhandled error');
      apiError = internalError();
    }
    const started = request.startedAt || performance.now();
    return reply.status(apiError.status).send(errorBody(apiError, operationOf(request), formatDuration(started)));
  });

  await app.register(swagger, {
    openapi: {
      info: { title: 'Switchboard API', version: '0.1.0', description: 'Self-hosted video calling coordinator' },
      components: {
        schemas: { APIError: apiErrorSchema() },
        securitySchemes: {
          api_key: { type: 'apiKey', in: 'query', name: 'api_key' },
          JWT: { type: 'apiKey', in: 'header', name: 'Authorization' },
        },
      },
      security: [{ api_key: [], JWT: [] }],
    },
  });

  const metrics = await metricsPlugin(app);
  app.setNotFoundHandler(async (request, reply) => {
    const started = request.startedAt || performance.now();
    const error = new ApiError(16, `no route for ${request.method} ${request.url.split('?')[0]}`);
    metrics.observeUnrouted(404, started);
    return reply.status(404).send(errorBody(error, 'Request', formatDuration(started)));
  });
  await app.register(systemRoutes);
  // Same handlers on both path families; the OpenAPI document lists the server-side family once.
  for (const [prefix, hide] of [
    ['/api/v2/video', false],
    ['/video', true],
  ] as const) {
    await app.register(
      async (scope) => {
        await callRoutes(scope, deps.ctx, hide);
        await callActionRoutes(scope, deps.ctx, hide);
        await callTypeRoutes(scope, deps.ctx, hide);
        await queryRoutes(scope, deps.ctx, hide);
      },
      { prefix },
    );
  }
  await app.register(async (scope) => userRoutes(scope, deps.ctx), { prefix: '/api/v2' });
  return app;
}
