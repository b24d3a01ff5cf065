/**
 * `switchboard config env`: the environment variables as a markdown table, printed from `SETTINGS`; the same
 * table is docs/configuration.md (configuration-guide.ts), so neither can drift from the code.
 */
import { SETTINGS } from '../app/config.js';

function cell(value: string): string {
  return value.replaceAll('|', '\\|');
}

export function settingsMarkdownTable(): string {
  const rows = SETTINGS.map((s) => {
    const empty = s.default === undefined || (Array.isArray(s.default) && s.default.length === 0);
    const fallback = empty ? '(unset)' : `\`${String(s.default)}\``;
    return `| \`${s.env}\` | ${cell(fallback)} | ${cell(s.description)} |`;
  });
  return ['| variable | default | description |', '| --- | --- | --- |', ...rows].join('\n');
}

export function configEnv(out: NodeJS.WritableStream): number {
  out.write(`${settingsMarkdownTable()}\n`);
  return 0;
}
