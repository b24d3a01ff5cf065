#!/usr/bin/env node
// The `switchboard` command: the compiled CLI (dist/), run by plain node. Under the repository's
// `switchboard-source` export condition (its tests, `npm run dev`) the same entry resolves to the TypeScript source
// instead, which needs tsx (a development dependency) registered first.
const cli = import.meta.resolve('@switchboard/server/cli');
if (cli.endsWith('.ts')) await import('tsx');
await import(cli);
