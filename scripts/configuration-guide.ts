/** Writes docs/configuration.md from the settings table: `npm run docs:configuration`. */
import { writeFileSync } from 'node:fs';
import { configurationGuide } from '../packages/server/src/cli/configuration-guide.js';

const file = new URL('../docs/configuration.md', import.meta.url);
writeFileSync(file, configurationGuide());
process.stdout.write(`wrote ${file.pathname}\n`);
