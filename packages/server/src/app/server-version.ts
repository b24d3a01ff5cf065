/** The server package's version, as `GET /api/v2/cluster/nodes` reports it per node (a mixed-version cluster shows). */
import { readFileSync } from 'node:fs';

let cached: string | undefined;

/** This file sits two levels below the package root, in src/ and in a build alike. */
export function packageVersion(): string {
  cached ??= (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string })
    .version;
  return cached;
}
