/**
 * CORS, so web pages on other origins can call the API (SWITCHBOARD_CORS_ORIGINS). The SDK always sends
 * `Authorization`, `stream-auth-type` and a JSON content type, so browsers preflight even GETs; @fastify/cors
 * answers the preflight (204) before authentication runs.
 *
 * Credentials are headers, never cookies, so the answer never allows credentialed requests: allowing any origin
 * (`*`, the default) lets a page use the API only with a key and token it already holds.
 */
import cors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';

/** Request headers a page may send: auth, JSON, and the request id we echo in logs. */
export const CORS_ALLOWED_HEADERS = ['authorization', 'stream-auth-type', 'content-type', 'accept', 'x-request-id'];

/** `origins` is the setting's value: `*`, `none`, or a comma-separated list of exact origins. */
export async function registerCors(app: FastifyInstance, origins: string): Promise<void> {
  if (origins === 'none') return;
  await app.register(cors, {
    origin: origins === '*' ? '*' : origins.split(',').map((o) => o.trim()),
    methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: CORS_ALLOWED_HEADERS,
    exposedHeaders: ['x-request-id'],
    // Browsers cap this (Chromium at 2 h); without it every API call from a page costs a preflight round trip.
    maxAge: 7200,
    // An OPTIONS without Origin is no preflight; answer it 204 too rather than with a text/plain 400.
    strictPreflight: false,
  });
}
