/**
 * The documentation as data, for the tests that hold it to the code: its pages, their fenced code blocks (with the
 * info string's language and name), and what the prose claims exists (routes, settings, error codes).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

export interface Page {
  /** Relative to the repository root: `README.md`, `docs/sdk.md`. */
  file: string;
  text: string;
}

/** README.md and every page under docs/. */
export function documentationPages(): Page[] {
  const docs = readdirSync(new URL('docs/', `file://${REPO_ROOT}`))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`);
  return ['README.md', ...docs].map((file) => ({ file, text: readFileSync(`${REPO_ROOT}${file}`, 'utf8') }));
}

export interface CodeBlock {
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  lang: string;
  /** The second word of the info string: `fragment`, or the name a test runs the block by. */
  name: string | undefined;
  code: string;
}

/** The fenced blocks of a page (``` fences; the docs use no other kind). */
export function codeBlocks(page: Page): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  const lines = page.text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)(?:\s+(\S+))?\s*$/.exec(lines[i] ?? '');
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && lines[i] !== '```'; i++) body.push(lines[i] ?? '');
    blocks.push({ file: page.file, line: start + 1, lang: open[1] ?? '', name: open[2], code: `${body.join('\n')}\n` });
  }
  return blocks;
}

export interface RouteMention {
  file: string;
  method: string | undefined;
  path: string;
}

const METHODS = 'GET|POST|PUT|PATCH|DELETE';

/**
 * Routes a page names: `METHOD /path` (with the path in backticks or not, methods may be listed as `GET / PATCH`),
 * and any backticked absolute path under `/api/v2/`, `/video/` or `/sfu/`. Paths with elisions (`...`, `…`) or
 * placeholders other than `{name}` are families, not routes, and are skipped.
 */
export function routeMentions(page: Page): RouteMention[] {
  // Code blocks count too: a configuration excerpt naming a route claims it as much as prose does.
  const text = page.text;
  const found: RouteMention[] = [];
  const withMethod = new RegExp(`\\b((?:${METHODS})(?:\\s*/\\s*(?:${METHODS}))*)\\s+\`?(/[^\\s\`?,)]*)`, 'g');
  for (const m of text.matchAll(withMethod)) {
    for (const method of (m[1] ?? '').split('/').map((s) => s.trim()))
      found.push({ file: page.file, method, path: m[2] ?? '' });
  }
  for (const m of text.matchAll(/`((?:\/api\/v2|\/video|\/sfu)\/[^\s`?]*)[^`]*`/g)) {
    found.push({ file: page.file, method: undefined, path: m[1] ?? '' });
  }
  return found.filter((r) => r.path !== '/' && !/\.\.\.|…|<|\*/.test(r.path));
}

/** `/video/call/{type}/{id}` and `/video/call/:type/:id` both become `/video/call/{}/{}`. */
export function routeShape(path: string): string {
  return path
    .replace(/\/+$/, '')
    .split('/')
    .map((segment) => (/^\{.+\}$/.test(segment) || segment.startsWith(':') ? '{}' : segment))
    .join('/');
}

/**
 * The mentions that name no route of `routes` (method and shape, e.g. `POST /api/v2/users`). Tables in the API
 * reference write paths relative to `/api/v2`, so a path is also tried with that prefix.
 */
export function unknownRoutes(mentions: RouteMention[], routes: ReadonlySet<string>): RouteMention[] {
  const shapes = new Set([...routes].map((r) => r.split(' ')[1] ?? ''));
  return mentions.filter(({ method, path }) => {
    const candidates = [routeShape(path), routeShape(`/api/v2${path}`)];
    return !candidates.some((shape) => (method ? routes.has(`${method} ${shape}`) : shapes.has(shape)));
  });
}

/** Environment variables a page names that the server reads (or would, if they existed). */
export function settingMentions(page: Page): string[] {
  // `\b` keeps the test suite's TEST_DATABASE_URL and TEST_REDIS_URL out: `_` is a word character.
  const names = page.text.match(/\b(?:SWITCHBOARD_[A-Z0-9_]*[A-Z0-9]|DATABASE_URL|REDIS_URL|LOG_LEVEL)\b/g) ?? [];
  return [...new Set(names)];
}

/**
 * API error codes a page names: "code 17", "(code 4 naming the field)", and the rows of an errors table
 * (`| 16 | meaning | 404 |`, with its HTTP status). Four-digit numbers are WebSocket close codes (4008, 4010),
 * and "exit code" is a process's; neither is an API error code.
 */
export function errorCodeMentions(page: Page): { code: number; status?: number }[] {
  const found: { code: number; status?: number }[] = [];
  for (const m of page.text.matchAll(/(?<!exit |close |exits with |status )\bcodes? (-?\d{1,3})\b(?!\d)/g))
    found.push({ code: Number(m[1]) });
  for (const m of page.text.matchAll(/^\| (-?\d{1,3}) \| [^|\n]+ \| (\d{3}) \|$/gm))
    found.push({ code: Number(m[1]), status: Number(m[2]) });
  return found;
}
