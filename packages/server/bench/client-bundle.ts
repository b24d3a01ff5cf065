/**
 * `npm run bench -- client-bundle`: what a web page downloads. Bundles each browser entry with esbuild (minified,
 * platform browser, ES2022) and reports raw and gzipped bytes, plus which packages the bytes come from, so a
 * regression (a schema or jose creeping back into the client side) shows up as a figure and a name.
 */

import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

export const name = 'client-bundle';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Entries as a web app imports them. */
const ENTRIES: Record<string, string> = {
  'sdk (main entry, everything)': "export * from '@switchboard/sdk';",
  'sdk/client (everything)': "export * from '@switchboard/sdk/client';",
  'sdk/client (SwitchboardVideoClient only)': "export { SwitchboardVideoClient } from '@switchboard/sdk/client';",
  'client (browser client with media, as /client/switchboard-client.js)': "export * from '@switchboard/client';",
};

/** The package (or workspace folder) a bundled input belongs to. */
function origin(path: string): string {
  const inModules = path.split('node_modules/').pop() ?? path;
  if (inModules !== path)
    return inModules
      .split('/')
      .slice(0, inModules.startsWith('@') ? 2 : 1)
      .join('/');
  return path.split('/').slice(0, 3).join('/');
}

async function measure(contents: string) {
  const result = await build({
    stdin: { contents, resolveDir: ROOT, loader: 'ts' },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    // The workspace packages' TypeScript sources, as the tests run them (not a possibly stale dist/).
    conditions: ['switchboard-source', 'module'],
    target: 'es2022',
    minify: true,
    write: false,
    metafile: true,
  });
  const text = result.outputFiles[0]?.text ?? '';
  const bytesByOrigin: Record<string, number> = {};
  for (const output of Object.values(result.metafile.outputs)) {
    for (const [path, input] of Object.entries(output.inputs)) {
      if (input.bytesInOutput === 0) continue;
      bytesByOrigin[origin(path)] = (bytesByOrigin[origin(path)] ?? 0) + input.bytesInOutput;
    }
  }
  return { raw_bytes: text.length, gzip_bytes: gzipSync(text).length, bytes_by_origin: bytesByOrigin };
}

export async function run(_settings: unknown, log: (line: string) => void): Promise<Record<string, unknown>> {
  const bundles: Record<string, unknown> = {};
  for (const [label, contents] of Object.entries(ENTRIES)) {
    log(`bundling ${label}`);
    bundles[label] = await measure(contents);
  }
  return { benchmark: name, minified: true, bundles };
}
