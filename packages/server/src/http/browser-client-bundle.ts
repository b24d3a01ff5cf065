/**
 * The browser client (`@switchboard/client`) as one ES module, bundled by esbuild the first time a page asks for it
 * and then kept (one string per node, ~25 KB). Bundling on demand keeps `npm start` and test nodes from paying for
 * it when no page loads it.
 */
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** The server package's folder: esbuild resolves `@switchboard/client` from its node_modules like Node would. */
const RESOLVE_DIR = fileURLToPath(new URL('../..', import.meta.url));
/**
 * A server running from its TypeScript sources (the repository's tests, `npm run dev`) bundles the client's sources
 * too, through the same export condition, so a page never gets a stale build; the compiled server bundles the
 * client's compiled dist/.
 */
const SOURCE_CONDITIONS = import.meta.url.endsWith('.ts') ? { conditions: ['switchboard-source', 'module'] } : {};

export class BrowserClientBundle {
  #built: Promise<string> | undefined;

  /** The bundle's text; a failed build is not cached, so the next request tries again. */
  text(): Promise<string> {
    this.#built ??= buildBundle().catch((err: unknown) => {
      this.#built = undefined;
      throw err;
    });
    return this.#built;
  }
}

async function buildBundle(): Promise<string> {
  const result = await build({
    stdin: { contents: "export * from '@switchboard/client';", resolveDir: RESOLVE_DIR, loader: 'ts' },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    ...SOURCE_CONDITIONS,
    target: 'es2022',
    minify: true,
    legalComments: 'none',
    write: false,
    logLevel: 'silent',
  });
  const output = result.outputFiles[0];
  if (!output) throw new Error('esbuild produced no output for @switchboard/client');
  return output.text;
}
