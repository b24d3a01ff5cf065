import { readFileSync } from 'node:fs';

/**
 * The server package's version: what `switchboard --version` prints and what a migration's compatibility marker is
 * compared with. This file sits one level below the package root, in src/ and in a build (dist/).
 */
export function serverVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}
