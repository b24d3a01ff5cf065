/**
 * JSON from clients (request bodies, the `payload` query parameter of QueryUsers, the realtime handshake). Besides
 * syntax, every value must be one the rest of the server can store and read back:
 * - nesting at most `maxDepth` deep: stored values are later walked recursively (JSON.stringify of replies and
 *   events, SQLite's JSON functions stop at 1000 levels), so an unbounded depth would let one value make every
 *   read of it fail;
 * - no U+0000 in strings: PostgreSQL text cannot store it, so without this check the same input would be accepted
 *   on SQLite and fail with a 500 on PostgreSQL;
 * - no lone UTF-16 surrogate (`\ud800` without its pair): it has no UTF-8 form, so PostgreSQL and the wire turn it
 *   into U+FFFD and two different ids (`a\ud800`, `a\udbff`) would become the same one.
 * Each is an input error naming the offending field.
 */
import { ErrorCode } from '@switchboard/protocol';
import { ApiError } from '../domain/errors.js';
import { jsonTextDepthExceeds } from '../domain/json-depth.js';
import { hasLoneSurrogate } from '../domain/unicode.js';

export interface JsonInputLimits {
  /** Deepest nesting of objects and arrays (`{}` is 1, `{"a":[]}` is 2). */
  maxDepth: number;
}

/** A surrogate may hide behind a `\uXXXX` escape (the usual way) or arrive raw (the query string, tests). */
const MAYBE_SURROGATE = /\\u[dD][89a-fA-F]|[\uD800-\uDFFF]/;

type Problem = 'depth' | 'nul' | 'surrogate';

interface Visit {
  value: unknown;
  depth: number;
  parent: Visit | undefined;
  key: string | number;
}

function pathOf(visit: Visit, root: string): string {
  const parts: (string | number)[] = [];
  for (let v: Visit | undefined = visit; v?.parent !== undefined; v = v.parent) parts.push(v.key);
  let path = root;
  for (const part of parts.reverse()) {
    path += typeof part === 'number' ? `[${part}]` : path ? `.${part}` : part;
  }
  return path;
}

function stringProblem(s: string, checks: ReadonlySet<Problem>): Problem | undefined {
  if (checks.has('nul') && s.includes('\u0000')) return 'nul';
  if (checks.has('surrogate') && hasLoneSurrogate(s)) return 'surrogate';
  return undefined;
}

/** The first value (or key) with one of the `checks` problems, walked without recursion. */
function findProblem(
  value: unknown,
  checks: ReadonlySet<Problem>,
  maxDepth: number,
): { visit: Visit; problem: Problem } | undefined {
  const stack: Visit[] = [{ value, depth: 0, parent: undefined, key: '' }];
  while (stack.length > 0) {
    const visit = stack.pop() as Visit;
    const v = visit.value;
    if (typeof v === 'string') {
      const problem = stringProblem(v, checks);
      if (problem) return { visit, problem };
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    const depth = visit.depth + 1;
    if (checks.has('depth') && depth > maxDepth) return { visit, problem: 'depth' };
    const entries: [string | number, unknown][] = Array.isArray(v) ? [...v.entries()] : Object.entries(v);
    for (let i = entries.length - 1; i >= 0; i--) {
      const [key, inner] = entries[i] as [string | number, unknown];
      const child: Visit = { value: inner, depth, parent: visit, key };
      if (typeof key === 'string') {
        const problem = stringProblem(key, checks);
        if (problem) return { visit: child, problem };
      }
      stack.push(child);
    }
  }
  return undefined;
}

const DESCRIPTIONS: Record<Problem, (limits: JsonInputLimits) => string> = {
  depth: (limits) => `must not nest objects and arrays more than ${limits.maxDepth} deep`,
  nul: () => 'must not contain the character U+0000',
  surrogate: () => 'must not contain an unpaired UTF-16 surrogate',
};

/** Parses client JSON; `field` names the input in errors (`body`, `payload`). */
export function parseJsonInput(text: string, field: string, limits: JsonInputLimits): unknown {
  const checks = new Set<Problem>();
  // One cheap pass over the text first: the walk that names the field runs only when something is wrong.
  if (jsonTextDepthExceeds(text, limits.maxDepth)) checks.add('depth');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ApiError(ErrorCode.InputError, `invalid JSON ${field}: ${(err as Error).message}`, {
      [field]: 'invalid JSON',
    });
  }
  // A NUL can only arrive escaped (`\u0000`): JSON forbids raw control characters in strings.
  if (text.includes('\\u0000')) checks.add('nul');
  if (MAYBE_SURROGATE.test(text)) checks.add('surrogate');
  if (checks.size === 0) return value;
  const found = findProblem(value, checks, limits.maxDepth);
  if (found) {
    const at = pathOf(found.visit, field === 'body' ? '' : field) || field;
    const description = DESCRIPTIONS[found.problem](limits);
    throw new ApiError(ErrorCode.InputError, `${at} ${description}`, { [at]: description });
  }
  return value;
}
