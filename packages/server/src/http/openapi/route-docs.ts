/**
 * Completes each route's schema for the OpenAPI document as the route is registered: summary, description, the
 * success body and every error status (the shared `APIError` schema). Response schemas here are documentation:
 * the app's reply serializer (json-reply.ts) takes precedence over them, and `documentationOnlySerializer` keeps
 * fastify from compiling serializers it would never call.
 */
import type { FastifyInstance, FastifySerializerCompiler } from 'fastify';
import { apiErrorSchema } from '../error-mapper.js';
import { serializeReply } from '../json-reply.js';
import { errorStatuses, OPERATIONS } from './operations.js';

export const API_ERROR_ID = 'APIError';
const apiErrorRef = (description: string) => ({ description, $ref: `${API_ERROR_ID}#` });

/** Replies are serialized by the app's reply serializer; a route's response schemas only document. */
export const documentationOnlySerializer: FastifySerializerCompiler<unknown> = () => (data) => serializeReply(data);

/** Call before any documented route is registered. */
export function attachRouteDocs(app: FastifyInstance): void {
  app.addSchema({
    $id: API_ERROR_ID,
    title: API_ERROR_ID,
    description: 'The body of every failed request.',
    ...apiErrorSchema(),
  });
  app.addHook('onRoute', (route) => {
    const schema = route.schema as Record<string, unknown> | undefined;
    const operationId = schema?.operationId;
    if (typeof operationId !== 'string') return;
    const doc = OPERATIONS[operationId];
    if (!doc) return;
    const errors = Object.fromEntries(
      Object.entries(errorStatuses(doc, schema?.body !== undefined)).map(([status, text]) => [
        status,
        apiErrorRef(text),
      ]),
    );
    route.schema = {
      ...schema,
      summary: doc.summary,
      description: doc.description,
      response: { [doc.status ?? 200]: doc.response, ...errors, ...doc.otherResponses },
      ...(doc.public ? { security: [], tags: ['operations'] } : {}),
    };
  });
}
