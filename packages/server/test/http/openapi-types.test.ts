/**
 * The document and the SDK cannot drift apart: the types openapi-typescript generates from the served document
 * must equal the checked-in copy (packages/sdk/test/openapi/openapi.generated.ts; `npm run openapi:types` rewrites
 * it), and the type-level test that assigns them to the SDK's own request and response types both ways
 * (sdk-matches-openapi.ts) must compile.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { servedDocument, TYPES_FILE, typesSource } from '../../../../scripts/openapi.js';

const TYPE_TEST = fileURLToPath(new URL('../../../sdk/test/openapi/sdk-matches-openapi.ts', import.meta.url));
const ROOT_TSCONFIG = fileURLToPath(new URL('../../../../tsconfig.json', import.meta.url));

it('the checked-in OpenAPI types are generated from the document the server serves today', async () => {
  const generated = await typesSource(await servedDocument());
  assert.ok(
    readFileSync(TYPES_FILE, 'utf8') === generated,
    'packages/sdk/test/openapi/openapi.generated.ts is stale: run `npm run openapi:types` and review the SDK types',
  );
});

it("the generated types and the SDK's request and response types are assignable both ways", () => {
  const config = ts.getParsedCommandLineOfConfigFile(
    ROOT_TSCONFIG,
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => assert.fail(ts.flattenDiagnosticMessageText(d.messageText, '\n')),
    },
  );
  assert.ok(config);
  const program = ts.createProgram([TYPE_TEST], { ...config.options, noEmit: true });
  const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => {
    const where = d.file ? `${d.file.fileName}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}` : '';
    return `${where} ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
  });
  assert.deepEqual(diagnostics, []);
});
