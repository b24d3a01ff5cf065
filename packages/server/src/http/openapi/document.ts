/**
 * The OpenAPI 3.1 document served at `/openapi.json`: @fastify/swagger's options. Besides the routes' own schemas
 * (route-docs.ts) it states what no route schema can: how to authenticate (api_key plus a JWT, or anonymously),
 * that a missing body means `{}`, the client-side `/video/...` path family, and the WebSocket protocol
 * (`x-websocket`, since OpenAPI has no WebSocket operations).
 */
import type { SwaggerOptions } from '@fastify/swagger';
import { CloseCode, ConnectionEventType, EventType } from '@switchboard/protocol';

/** Tag of the client-side path family; its operationIds carry this suffix (operationIds must be unique). */
const CLIENT_SUFFIX = '_client';

const DESCRIPTION = `Self-hosted video calling coordinator speaking the Stream Video REST and WebSocket API shape.

Every API request carries the \`api_key\` query parameter and one of:
- a JWT (HS256, signed with the app secret) in \`Authorization\` (optionally prefixed \`Bearer \`), with
  \`stream-auth-type: jwt\`: \`{ "server": true }\` for server-side calls, \`{ "user_id": "..." }\` for a user;
- no \`Authorization\` and \`stream-auth-type: anonymous\`: an anonymous user (grants of the \`anonymous\` role).

Every JSON answer carries \`duration\`. Errors answer with the \`APIError\` body: \`code\` is stable (4 input, 2/5/40/43
authentication, 17 not allowed, 16 not found, 9 rate limited, -1 internal). A POST without a body means \`{}\`.
Unknown request fields are ignored. The same operations are served under \`/api/v2/video/...\` (server-side SDKs)
and \`/video/...\` (client-side SDKs, tagged "client-side"). The realtime protocol is described under \`x-websocket\`.`;

const security: Record<string, string[]>[] = [
  { api_key: [], JWT: [], stream_auth_type: [] },
  { api_key: [], JWT: [] },
  { api_key: [], stream_auth_type: [] },
];

/** The realtime connection, which OpenAPI cannot express as an operation. */
const webSocket = {
  paths: ['/video/connect', '/api/v2/video/connect'],
  query: { api_key: 'The app key; a wrong key is answered with connection.error and close code 1000.' },
  description:
    'Open a WebSocket, then send the auth message. The server answers `connection.ok` (with `connection_id`, to ' +
    'pass as `connection_id` to GetOrCreateCall, GetCall, JoinCall or QueryCalls to watch calls) or ' +
    '`connection.error` and closes with 1000 (do not reconnect). Both sides send `health.check`; other close ' +
    'codes are transient: reconnect, resuming with `last_event_id` (the id of the last call event received) and ' +
    '`watch_call_cids`: the server replays what was missed, or sends `connection.resync` (re-read state).',
  client_messages: {
    auth: {
      description: 'First message: the user token, and optionally the user to upsert.',
      schema: {
        type: 'object',
        required: ['token'],
        properties: {
          token: { type: 'string' },
          products: { type: 'array', items: { type: 'string' } },
          last_event_id: {
            type: 'string',
            minLength: 1,
            maxLength: 64,
            description: 'Resume: replay the events committed after this one (docs/realtime.md "Resuming").',
          },
          watch_call_cids: {
            type: 'array',
            maxItems: 100,
            items: { type: 'string' },
            description: 'Resume: the calls to watch again before the replay (needs last_event_id).',
          },
          user_details: {
            type: 'object',
            required: ['id'],
            properties: {
              id: { type: 'string' },
              name: { type: 'string' },
              image: { type: 'string' },
              custom: { type: 'object' },
            },
          },
        },
      },
    },
    [ConnectionEventType.HealthCheck]: {
      description: 'Client ping (a one-element array or a bare object); answered with health.check.',
      schema: {
        type: 'object',
        required: ['type'],
        properties: { type: { const: 'health.check' }, client_id: { type: 'string' } },
      },
    },
  },
  server_messages: {
    [ConnectionEventType.ConnectionOk]:
      'Auth accepted: `{ type, connection_id, me, created_at, last_event_id? }` (`last_event_id`: the newest event, a resume point).',
    [ConnectionEventType.ConnectionResync]:
      'After a resume that cannot be replayed: `{ type, connection_id, reason: unknown_event | too_many_events | replay_failed, last_event_id, created_at }`; re-read state.',
    [ConnectionEventType.ConnectionError]: 'Auth refused: `{ type, error: APIError, created_at }`, then close 1000.',
    [ConnectionEventType.HealthCheck]: 'Ping/pong: `{ type, connection_id, created_at }`.',
    call_events:
      'Every call event carries `id` (resume point), `type`, `created_at`, `call_cid` and `call`, plus its own fields (e.g. `members`, ' +
      '`user`, `session_id`, `participant`, `custom`).',
  },
  event_types: Object.values(EventType),
  close_codes: CloseCode,
};

type Schema = Record<string, unknown>;

/**
 * `{ patternProperties: { P: S }, additionalProperties: false }` (TypeBox's record with a key pattern) as
 * `{ propertyNames: { pattern: P }, additionalProperties: S }`: the same rule, in a form @fastify/swagger keeps (it
 * folds patternProperties into additionalProperties and drops the pattern).
 */
export function keepKeyPatterns(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(keepKeyPatterns);
  if (value === null || typeof value !== 'object') return value;
  const out: Schema = {};
  for (const [key, inner] of Object.entries(value)) out[key] = keepKeyPatterns(inner);
  const patterns = out.patternProperties as Schema | undefined;
  if (patterns && Object.keys(patterns).length === 1) {
    const [pattern, schema] = Object.entries(patterns)[0] as [string, unknown];
    delete out.patternProperties;
    if (pattern !== '^.*$') out.propertyNames = { pattern };
    out.additionalProperties = schema;
  }
  return out;
}

interface OpenApiDocument {
  paths: Record<string, Record<string, { requestBody?: { required?: boolean } }>>;
  [key: string]: unknown;
}

export function swaggerOptions(): SwaggerOptions {
  return {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Switchboard API',
        version: '0.1.0',
        description: DESCRIPTION,
        license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
      },
      // Relative: the paths answer on whichever node (or proxy in front of it) served this document.
      servers: [{ url: '/', description: 'The node that served this document.' }],
      tags: [
        { name: 'calls', description: 'Calls, their members, sessions and actions (server-side path family).' },
        { name: 'call types', description: 'Call types: grants per role and default settings.' },
        { name: 'users', description: 'Users.' },
        {
          name: 'client-side',
          description: 'The same call operations under `/video/...`, as client-side SDKs call them.',
        },
        { name: 'operations', description: 'Health, metrics and this document; no authentication.' },
        { name: 'cluster', description: 'The nodes serving this app (server tokens only).' },
      ],
      components: {
        securitySchemes: {
          api_key: { type: 'apiKey', in: 'query', name: 'api_key', description: 'The app key.' },
          JWT: {
            type: 'apiKey',
            in: 'header',
            name: 'Authorization',
            description: 'A JWT signed (HS256) with the app secret: `{ server: true }` or `{ user_id }`.',
          },
          stream_auth_type: {
            type: 'apiKey',
            in: 'header',
            name: 'stream-auth-type',
            description: '`jwt` (with Authorization) or `anonymous` (without Authorization).',
          },
        },
      },
      security,
    },
    // Shared schemas (APIError) keep their `$id` as their component name.
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
    transform: ({ schema, url }) => {
      const clientSide = url.startsWith('/video/');
      const documented = keepKeyPatterns(schema) as Schema;
      if (clientSide && typeof documented.operationId === 'string') {
        documented.operationId = `${documented.operationId}${CLIENT_SUFFIX}`;
        documented.tags = ['client-side'];
      }
      return { schema: documented as never, url };
    },
    transformObject: (documentObject) => {
      const doc = (documentObject as { openapiObject: unknown }).openapiObject as OpenApiDocument;
      // A request without a body means `{}` (route-hooks.ts), so no body is required by the transport.
      for (const operations of Object.values(doc.paths)) {
        for (const operation of Object.values(operations)) {
          if (operation.requestBody) operation.requestBody.required = false;
        }
      }
      doc['x-websocket'] = webSocket;
      return doc as never;
    },
  };
}
