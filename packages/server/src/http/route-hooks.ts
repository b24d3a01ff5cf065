/**
 * The steps every route runs around its handler: the request's start time, authentication (API routes only),
 * "no body means `{}`" (routes with a body schema only) and the JSON answer with its `duration`.
 *
 * They are attached to each route as it is registered (fastify's onRoute) instead of as global hooks, so each
 * route gets only the steps it needs, decided once: a global hook would have to read `request.routeOptions` per
 * request, which fastify builds afresh on every read. All use fastify's callback form: an async hook costs a
 * promise and a microtask turn on every request. Only a token not verified before goes through a promise.
 */
import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  HookHandlerDoneFunction,
  RouteHandlerMethod,
} from 'fastify';
import type { Authenticator } from '../services/authenticate.js';
import { formatDuration } from './duration.js';
import { serializeReply } from './json-reply.js';

type Hook = (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => void;

function stampStart(request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void {
  request.startedAt = performance.now();
  done();
}

function authenticateWith(auth: Authenticator): Hook {
  return (request, _reply, done) => {
    request.startedAt = performance.now();
    const { authorization } = request.headers;
    try {
      auth.checkApiKey((request.query as Record<string, string | undefined>).api_key);
      if (request.headers['stream-auth-type'] === 'anonymous' && !authorization) {
        request.actor = { kind: 'anonymous' };
        return done();
      }
      const known = auth.knownActor(authorization);
      if (known) {
        request.actor = known;
        return done();
      }
    } catch (err) {
      return done(err as Error);
    }
    auth.actorForToken(authorization).then((actor) => {
      request.actor = actor;
      done();
    }, done);
  };
}

/** A POST with no body at all (no content type, e.g. `curl -X POST .../mark_ended`) means `{}`. */
function emptyBodyIsEmptyObject(request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void {
  if (request.body === undefined) request.body = {};
  done();
}

/** A route option's hooks as a list (fastify takes one function or an array). */
export const asList = <T>(hooks: T | T[] | undefined): T[] =>
  hooks === undefined ? [] : Array.isArray(hooks) ? hooks : [hooks];

const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * A handler's plain-object result becomes the response text, `duration` included, in one step: the same bytes a
 * preSerialization hook adding `duration` would give, without a hook round and a copied object per request.
 * Anything else a handler returns (strings, the reply itself, undefined) is left to fastify.
 */
function answeringJson(handler: RouteHandlerMethod): RouteHandlerMethod {
  const toText = (request: FastifyRequest, reply: FastifyReply, body: unknown) => {
    if (body === null || typeof body !== 'object' || Object.getPrototypeOf(body) !== Object.prototype) return body;
    reply.type(JSON_TYPE);
    return serializeReply(body, formatDuration(request.startedAt));
  };
  return function (this: FastifyInstance, request, reply) {
    const result: unknown = handler.call(this, request, reply);
    if (result instanceof Promise) return result.then((body) => toText(request, reply, body));
    return toText(request, reply, result);
  };
}

/** Call before any route is registered; routes with `config.public` answer without api_key or token. */
export function attachRouteHooks(app: FastifyInstance, auth: Authenticator): void {
  const authenticate = authenticateWith(auth);
  app.addHook('onRoute', (route) => {
    const first = route.config?.public === true ? stampStart : authenticate;
    route.onRequest = [first, ...asList(route.onRequest)];
    if (route.schema?.body !== undefined)
      route.preValidation = [emptyBodyIsEmptyObject, ...asList(route.preValidation)];
    route.handler = answeringJson(route.handler);
  });
}
