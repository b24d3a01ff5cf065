/**
 * The front door of a node: `/` answers a small HTML page linking the demo, the OpenAPI document and the guides,
 * and `/docs/` serves the guides (the repository's `docs/*.md`) as plain markdown, so whoever opens the node's
 * address in a browser finds where to go instead of a JSON 404. No api_key or token: nothing here is private.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { ApiError } from '../../domain/errors.js';

const DOCS_DIR = new URL('../../../../../docs/', import.meta.url);
/** Only plain file names: the page parameter can never leave the docs directory. */
const PAGE_NAME = /^[A-Za-z0-9-]+\.md$/;

/** The guides, read once at start-up; empty when the node runs without the repository's docs directory. */
export function loadGuides(dir: URL = DOCS_DIR): Map<string, string> {
  if (!existsSync(dir)) return new Map();
  const names = readdirSync(dir).filter((name) => PAGE_NAME.test(name));
  return new Map(names.sort().map((name) => [name, readFileSync(new URL(name, dir), 'utf8')]));
}

export function landingPage(guides: ReadonlyMap<string, string>): string {
  const docs = guides.has('README.md')
    ? `<li><a href="/docs/README.md">Documentation</a>: the guides, starting with their table of contents</li>`
    : '<li>Documentation: the <code>docs/</code> folder of the Switchboard repository</li>';
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Switchboard</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem}</style></head>
<body>
<h1>Switchboard</h1>
<p>A self-hosted video-calling backend speaking the Stream Video API shape. This node is running.</p>
<ul>
<li><a href="/demo">Demo call</a>: join a call from two tabs</li>
<li><a href="/openapi.json">OpenAPI document</a> of the HTTP API</li>
${docs}
<li><a href="/healthz">/healthz</a> and <a href="/readyz">/readyz</a> for load balancers</li>
</ul>
</body>
</html>
`;
}

const DocsPageParams = Type.Object({ page: Type.String({ maxLength: 100 }) });

let bundledGuides: Map<string, string> | undefined;
/** Read on first use and kept: every app built in one process (tests build many) shares one copy. */
function repositoryGuides(): Map<string, string> {
  bundledGuides ??= loadGuides();
  return bundledGuides;
}

export async function landingRoutes(
  app: FastifyInstance,
  guides: ReadonlyMap<string, string> = repositoryGuides(),
): Promise<void> {
  const config = { public: true };
  const page = landingPage(guides);
  app.get('/', { config, schema: { operationId: 'GetLandingPage' } }, async (_req, reply) =>
    reply.type('text/html; charset=utf-8').send(page),
  );
  app.get<{ Params: { page: string } }>(
    '/docs/:page',
    { config, schema: { operationId: 'GetGuide', params: DocsPageParams } },
    async (request, reply) => {
      const text = guides.get(request.params.page);
      if (text === undefined) throw new ApiError(16, `no guide named ${request.params.page}`);
      return reply.type('text/markdown; charset=utf-8').send(text);
    },
  );
}
