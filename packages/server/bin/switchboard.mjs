#!/usr/bin/env node
// The installed `switchboard` command: registers tsx (a dependency of this package) so the TypeScript CLI runs as is.
import 'tsx';

await import('../src/cli.ts');
