/**
 * Builds the HTTP server: JSON parsing, validation, authentication, the error mapper, `duration` on every body,
 * and the routes, mounted under both path families (`/api/v2/video/...` and `/video/...`).
 */
import swagger from '@fastify/swagger';
import type { TestPushRequest, TestPushResult } from '@switchboard/protocol';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyRequest, LogController } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { DeliveryAdmin } from '../delivery/delivery-admin.js';
import type { Actor } from '../domain/actor.js';
import { ApiError } from '../domain/errors.js';
import type { Authenticator } from '../services/authenticate.js';
import type { ServiceContext } from '../services/context.js';
import { type AccessLogLevel, accessLog } from './access-log.js';
import { registerCors } from './cors.js';
import { formatDuration } from './duration.js';
import { errorBody, internalError, toApiError } from './error-mapper.js';
import type { HttpLimits } from './http-limits.js';
import { parseJsonInput } from './json-input.js';
import { serializeReply } from './json-reply.js';
import { metricsPlugin } from './metrics.js';
import { swaggerOptions } from './openapi/document.js';
import { attachRouteDocs, documentationOnlySerializer } from './openapi/route-docs.js';
import { attachRateLimits, type RateLimiter } from './rate-limit.js';
import { attachRouteHooks } from './route-hooks.js';
import { type BrowserClientOptions, browserClientRoutes } from './routes/browser-client-routes.js';
import { callActionRoutes } from './routes/call-action-routes.js';
import { callRoutes } from './routes/call-routes.js';
import { callTypeRoutes } from './routes/call-type-routes.js';
import { clusterRoutes } from './routes/cluster-routes.js';
import { landingRoutes } from './routes/landing-routes.js';
import { deviceRoutes, testPushRoutes } from './routes/push-routes.js';
import { queryRoutes } from './routes/query-routes.js';
import { type Readiness, systemRoutes } from './routes/system-routes.js';
import { userRoutes } from './routes/user-routes.js';
import { webhookRoutes } from './routes/webhook-routes.js';
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
  /** Socket timeouts and the connection cap (none when absent). */
  limits?: HttpLimits;
  /** Rate limits per endpoint group (none when absent). */
  rateLimiter?: RateLimiter;
  /** SWITCHBOARD_CORS_ORIGINS: `*`, `none` or a comma-separated list of origins (default `*`). */
  corsOrigins?: string;
  /** Tests only: runs on the bare app before any hook or route, e.g. to record every response. */
  instrument?: (app: FastifyInstance) => void;
  /** The node's metrics registry, shared with other parts (delivery); a fresh one when absent. */
  metrics?: Registry;
  /** SWITCHBOARD_ACCESS_LOG: the level of one log line per request, or `off` (the default). */
  accessLogLevel?: AccessLogLevel;
  /** App settings and the webhook delivery log; absent on a node composed without delivery. */
  delivery?: DeliveryAdmin;
  /** `/readyz`: whether the node's backends answer and it is not draining. */
  ready?: () => Promise<Readiness>;
  /** Whether the node drains: every answer then closes its connection (the client's next request goes elsewhere). */
  draining?: () => boolean;
  /** The operators' test push (delivery/push/test-push.ts); absent on a node composed without delivery. */
  testPush?: (actor: Actor, body: TestPushRequest) => Promise<TestPushResult[]>;
  /** The browser client bundle and the demo page; not served when absent. */
  browserClient?: BrowserClientOptions;
}

/** How often Node looks for requests past their header/request timeout (its default, 30 s, lets slow bodies linger). */
const TIMEOUT_CHECK_INTERVAL_MS = 1000;

/**
 * While draining, every answer says `Connection: close`: a busy keep-alive socket ends after its current response
 * instead of staying open until the shutdown timeout (idle ones are closed when the server closes).
 */
function attachDrainingConnectionClose(app: FastifyInstance, draining: () => boolean): void {
  // At sending, not at arrival: a request that arrived before the drain began and answers during it closes too.
  app.addHook('onSend', async (_request, reply, payload) => {
    if (draining()) reply.header('connection', 'close');
    return payload;
  });
}

function operationOf(request: FastifyRequest): string {
  const schema = request.routeOptions?.schema as { operationId?: string } | undefined;
  return schema?.operationId ?? 'Request';
}

export async function buildHttpApp(deps: HttpDeps): Promise<FastifyInstance> {
  const limits = deps.limits;
  const app = Fastify({
    ...(limits ? socketTimeouts(limits) : {}),
    // pino's Logger and fastify's base logger type differ only in generics; the instance is the same.
    loggerInstance: deps.logger as unknown as FastifyBaseLogger,
    bodyLimit: deps.bodyLimit ?? 1024 * 1024,
    // fastify's own per-request logs are off: access-log.ts writes one line per request when SWITCHBOARD_ACCESS_LOG
    // asks for it, metrics cover traffic, and errors are logged by the error handler.
    logController: new LogController({ disableRequestLogging: true }),
    requestIdHeader: 'x-request-id',
    // No child logger per request: it costs a pino child (bindings serialized) on every request, and the one
    // place that logs per request (the error handler) names the request id itself.
    childLoggerFactory: (logger) => logger,
    // Refusals before routing answer in the API error shape too (transport-errors.ts).
    frameworkErrors: routingError,
    clientErrorHandler: clientError,
    // A request that reached an open connection while the node closes is served (with `Connection: close`), not
    // refused: the database is still open until every connection has ended, and the client sent it to this node.
    return503OnClosing: false,
  });
  deps.instrument?.(app);
  if (limits && limits.maxConnections > 0) app.server.maxConnections = limits.maxConnections;
  app.setValidatorCompiler(validatorCompiler(deps.ctx.config.limits));
  // Objects sent without a route handler's help (error bodies): they carry their own `duration`.
  app.setReplySerializer((payload) => serializeReply(payload));
  // Routes' response schemas document the API (openapi/route-docs.ts); the reply serializer above answers.
  app.setSerializerCompiler(documentationOnlySerializer);
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

  if (deps.draining) attachDrainingConnectionClose(app, deps.draining);
  attachRouteHooks(app, deps.auth);
  if (deps.rateLimiter) attachRateLimits(app, deps.rateLimiter);

  app.setErrorHandler(async (err, request, reply) => {
    let apiError = toApiError(err);
    if (!apiError) {
      request.log.error({ err, reqId: request.id }, 'unhandled error');
      apiError = internalError();
    }
    const started = request.startedAt || performance.now();
    return reply.status(apiError.status).send(errorBody(apiError, operationOf(request), formatDuration(started)));
  });

  await registerCors(app, deps.corsOrigins ?? '*');
  attachRouteDocs(app);
  await app.register(swagger, swaggerOptions());

  const metrics = await metricsPlugin(app, deps.metrics, accessLog(deps.logger, deps.accessLogLevel ?? 'off'));
  app.setNotFoundHandler(async (request, reply) => {
    const started = request.startedAt || performance.now();
    const error = new ApiError(16, `no route for ${request.method} ${request.url.split('?')[0]}`);
    metrics.observeUnrouted(request, reply, 404, started);
    return reply.status(404).send(errorBody(error, 'Request', formatDuration(started)));
  });
  await app.register(systemRoutes, deps.ready ? { ready: deps.ready } : {});
  await app.register(async (scope) => landingRoutes(scope));
  const browserClient = deps.browserClient;
  if (browserClient) await app.register(async (scope) => browserClientRoutes(scope, deps.ctx, browserClient));
  // Same handlers on both path families; the OpenAPI document tags the `/video` family "client-side".
  for (const prefix of ['/api/v2/video', '/video']) {
    const hide = false; // both families are documented; route-docs' transform tags `/video` client-side
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
  await app.register(async (scope) => clusterRoutes(scope, deps.ctx), { prefix: '/api/v2' });
  const delivery = deps.delivery;
  if (delivery) await app.register(async (scope) => webhookRoutes(scope, deps.ctx, delivery), { prefix: '/api/v2' });
  for (const prefix of ['/api/v2', '/video'])
    await app.register(async (scope) => deviceRoutes(scope, deps.ctx), { prefix });
  const testPush = deps.testPush;
  if (testPush) await app.register(async (scope) => testPushRoutes(scope, testPush), { prefix: '/api/v2' });
  return app;
}

/**
 * Slow clients are cut: headers must arrive within `headersTimeoutMs` and the whole request (a body trickled a
 * byte at a time included) within `requestTimeoutMs`; idle keep-alive sockets close after `keepAliveTimeoutMs`.
 */
function socketTimeouts(limits: HttpLimits) {
  const headersTimeout =
    limits.requestTimeoutMs > 0 ? Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs) : limits.headersTimeoutMs;
  return {
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    http: {
      headersTimeout,
      requestTimeout: limits.requestTimeoutMs,
      connectionsCheckingInterval: TIMEOUT_CHECK_INTERVAL_MS,
    },
  };
}
