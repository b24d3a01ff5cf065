/**
 * The OpenAPI contract recorder: every HTTP response a test node sends is recorded (a fastify onSend hook installed
 * before any route) and checked against the document the node serves, with ajv over the dereferenced schemas. The
 * test node's stop() fails the suite on any violation: an undocumented status or content type, a body that misses a
 * required field, has a wrong type, or carries a property the (closed) schema does not list.
 */
import Ajv2020Module from 'ajv/dist/2020.js';
import type { FastifyInstance } from 'fastify';

const Ajv2020 = Ajv2020Module.default;

export interface Recorded {
  method: string;
  /** The route's path in fastify syntax (`/call/:type/:id`), undefined when no route matched. */
  route: string | undefined;
  url: string;
  status: number;
  contentType: string;
  body: string;
}

type Json = Record<string, unknown>;

/** Replaces every `{ $ref: '#/...' }` with the value it points at (the document has no cycles). */
export function dereference(doc: Json): Json {
  const resolve = (pointer: string): unknown =>
    pointer
      .slice(2)
      .split('/')
      .reduce<unknown>((at, part) => (at as Json)[part.replaceAll('~1', '/').replaceAll('~0', '~')], doc);
  const walk = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(walk);
    if (value === null || typeof value !== 'object') return value;
    const ref = (value as Json).$ref;
    if (typeof ref === 'string' && ref.startsWith('#/')) return walk(resolve(ref));
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, walk(inner)]));
  };
  return walk(doc) as Json;
}

/** Validators of one served document, compiled once per process and document text (many nodes serve the same). */
export class ContractChecker {
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
  private readonly validators = new Map<string, ReturnType<InstanceType<typeof Ajv2020>['compile']>>();
  private readonly doc: Json;

  constructor(doc: Json) {
    this.doc = dereference(doc);
  }

  check(response: Recorded): string | undefined {
    const where = `${response.method} ${response.url} → ${response.status}`;
    // CORS preflights are answered by @fastify/cors before any operation runs; the CORS spec, not the API, defines them.
    if (response.method === 'OPTIONS') return undefined;
    const components = this.doc.components as { schemas: Json };
    let responseDoc: Json | undefined;
    if (response.route === undefined) {
      if (response.status !== 404) return `${where}: no route matched, yet the status is not 404`;
      responseDoc = { content: { 'application/json': { schema: components.schemas.APIError } } };
    } else {
      const path = response.route.replace(/:([A-Za-z_]+)/g, '{$1}');
      const method = response.method === 'HEAD' ? 'get' : response.method.toLowerCase();
      const operation = ((this.doc.paths as Json)[path] as Json | undefined)?.[method] as Json | undefined;
      if (!operation) return `${where}: ${method.toUpperCase()} ${path} is not in the document`;
      responseDoc = (operation.responses as Json)[String(response.status)] as Json | undefined;
      if (!responseDoc) return `${where}: status ${response.status} is not documented for ${operation.operationId}`;
      if (response.method === 'HEAD') return undefined;
    }
    const content = (responseDoc.content ?? {}) as Record<string, { schema: Json }>;
    const mediaType = response.contentType.split(';')[0]?.trim() ?? '';
    const entry = Object.entries(content).find(([type]) => type.split(';')[0]?.trim() === mediaType);
    if (!entry) return `${where}: content type "${response.contentType}" is not documented`;
    if (mediaType !== 'application/json') return undefined;
    let body: unknown;
    try {
      body = JSON.parse(response.body);
    } catch {
      return `${where}: the body is not JSON`;
    }
    const key = `${response.route} ${response.method} ${response.status}`;
    let validate = this.validators.get(key);
    if (!validate) {
      validate = this.ajv.compile(entry[1].schema);
      this.validators.set(key, validate);
    }
    if (validate(body)) return undefined;
    const errors = (validate.errors ?? [])
      .slice(0, 5)
      .map((e) => `${e.instancePath || '/'} ${e.message}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`);
    return `${where}: ${errors.join('; ')}`;
  }
}

const checkers = new Map<string, ContractChecker>();

/** Records one node's responses; `violations()` checks them against the document the node serves. */
export class ContractRecorder {
  private readonly recorded: Recorded[] = [];
  private app: FastifyInstance | undefined;

  /** Passed as the node's `instrumentHttp`: runs before any route is registered, so every route inherits it. */
  readonly attach = (app: FastifyInstance): void => {
    this.app = app;
    app.addHook('onSend', (request, reply, payload, done) => {
      this.recorded.push({
        method: request.method,
        route: request.is404 ? undefined : request.routeOptions.url,
        url: request.url.split('?')[0] ?? request.url,
        status: reply.statusCode,
        contentType: String(reply.getHeader('content-type') ?? ''),
        body: typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload.toString('utf8') : '',
      });
      done(null, payload);
    });
  };

  get count(): number {
    return this.recorded.length;
  }

  violations(): string[] {
    if (!this.app || this.recorded.length === 0) return [];
    const doc = this.app.swagger() as unknown as Json;
    const text = JSON.stringify(doc);
    let checker = checkers.get(text);
    if (!checker) {
      checker = new ContractChecker(doc);
      checkers.set(text, checker);
    }
    const found: string[] = [];
    for (const response of this.recorded) {
      const violation = checker.check(response);
      if (violation) found.push(violation);
    }
    return found;
  }
}
