/**
 * `switchboard config check`: loads the configuration exactly as `start` would, without opening the database or
 * a port. Invalid values and a key without its secret (or the reverse) fail with exit code 1; unknown
 * `SWITCHBOARD_*` variables (likely typos) are reported as warnings but do not fail the check.
 */
import { type Config, loadConfig, SETTINGS } from '../app/config.js';

/** Secrets are never printed in full: a config check's output ends up in CI logs and support tickets. */
function shown(key: keyof Config, value: unknown): string {
  if (value === undefined) return '(unset)';
  if (key === 'apiSecret') return '(set)';
  if (key === 'databaseUrl') return String(value).replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
  return String(value);
}

export function configCheck(env: NodeJS.ProcessEnv, out: NodeJS.WritableStream, err: NodeJS.WritableStream): number {
  let loaded: ReturnType<typeof loadConfig>;
  try {
    loaded = loadConfig(env);
  } catch (e) {
    err.write(`config check: invalid configuration: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
  const { config, unknownEnv } = loaded;
  const problems: string[] = [];
  if (Boolean(config.apiKey) !== Boolean(config.apiSecret)) {
    problems.push('set both SWITCHBOARD_API_KEY and SWITCHBOARD_API_SECRET, or neither');
  }
  for (const name of unknownEnv) err.write(`config check: warning: unknown variable ${name} is ignored\n`);
  for (const s of SETTINGS) out.write(`${s.env}=${shown(s.key, config[s.key])}\n`);
  if (problems.length > 0) {
    for (const p of problems) err.write(`config check: invalid configuration: ${p}\n`);
    return 1;
  }
  out.write(`config check: ok (database: ${config.databaseUrl ? 'PostgreSQL' : `SQLite under ${config.dataDir}`})\n`);
  return 0;
}
