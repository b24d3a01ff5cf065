/**
 * `switchboard start` as the next release: this repository's code plus the migrations of test/support/next-release.ts
 * (`TEST_NEXT_RELEASE=expand`, or `contract` for the step marked incompatible with versions before
 * `TEST_NEXT_RELEASE_REQUIRES`). Run as `node --import tsx next-release-node.ts start`; the CLI reads the arguments.
 */
import { registerMigrations } from '../../src/store/migrations.js';
import { nextReleaseContract, nextReleaseExpand } from '../support/next-release.js';

const kind = process.env.TEST_NEXT_RELEASE;
if (kind === 'contract') registerMigrations(nextReleaseContract(process.env.TEST_NEXT_RELEASE_REQUIRES ?? '0.2.0'));
else if (kind === 'expand') registerMigrations(nextReleaseExpand);
else throw new Error(`TEST_NEXT_RELEASE must be expand or contract, not ${kind}`);
await import('../../src/cli.js');
