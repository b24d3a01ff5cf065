/**
 * The client entry (`@switchboard/sdk/client`) stays fit for a browser: bundled the way a web app would bundle it
 * (esbuild, platform browser), it must contain neither TypeBox (the protocol's schemas, built at load by the
 * protocol's main entry) nor jose (server-side token signing). Checked on the bundle's own list of inputs and on its
 * text, not on its size: the figures live in docs/benchmarks.md, measured by `npm run bench -- client-bundle`.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const SDK_DIR = fileURLToPath(new URL('..', import.meta.url));

async function bundle(entry: string): Promise<{ inputs: string[]; text: string }> {
  const result = await build({
    stdin: { contents: `export * from '${entry}';`, resolveDir: SDK_DIR, loader: 'ts' },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    // The workspace packages' TypeScript sources, as the tests run them (not a possibly stale dist/).
    conditions: ['switchboard-source', 'module'],
    target: 'es2022',
    write: false,
    metafile: true,
  });
  return { inputs: Object.keys(result.metafile.inputs), text: result.outputFiles[0]?.text ?? '' };
}

it('the client entry bundles without TypeBox schemas or jose token signing', async () => {
  const { inputs, text } = await bundle('@switchboard/sdk/client');
  assert.ok(
    inputs.some((path) => path.endsWith('realtime/switchboard-video-client.ts')),
    'the bundle holds the client',
  );
  assert.deepEqual(
    inputs.filter((path) => /node_modules\/(typebox|jose)\//.test(path)),
    [],
    'no module of typebox or jose is bundled',
  );
  // The protocol's schema modules (not just their types) would build every schema at load.
  assert.deepEqual(
    inputs.filter((path) => /protocol\/src\/(index|models|requests|settings|webhooks)\.ts$/.test(path)),
    [],
  );
  assert.doesNotMatch(text, /SignJWT|HS256|Type\.Object/);
});

it('the main entry still carries the server side (the check above can fail)', async () => {
  const { inputs, text } = await bundle('@switchboard/sdk');
  assert.ok(inputs.some((path) => /node_modules\/jose\//.test(path)));
  assert.match(text, /SignJWT/);
});
