/**
 * `switchboard config check`: loads the configuration exactly as `start` would and connects to the PostgreSQL
 * database and Redis it names (one short connection each), without writing anything or opening a port. Invalid
 * values, settings that do not go together and unreachable backends fail with exit code 1; unknown `SWITCHBOARD_*`
 * variables (likely typos) are reported as warnings but do not fail the check.
 */
import { checkBackends } from '../app/backend-check.js';
import { type Config, configProblems, loadConfig, SETTINGS } from '../app/config.js';
import { StartupError } from '../app/startup-error.js';

/** Secrets are never printed in full: a config check's output ends up in CI logs and support tickets. */
function shown(key: keyof Config, value: unknown): string {
  if (value === undefined) return '(unset)';
  if (key === 'apiSecret') return '(set)';
  if (key === 'databaseUrl' || key === 'redisUrl') return String(value).replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
  return String(value);
}

export async function configCheck(
  env: NodeJS.ProcessEnv,
  out: NodeJS.WritableStream,
  err: NodeJS.WritableStream,
): Promise<number> {
  let loaded: ReturnType<typeof loadConfig>;
  try {
    loaded = loadConfig(env);
  } catch (e) {
    err.write(`config check: invalid configuration: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
  const { config, unknownEnv } = loaded;
  const problems = configProblems(config);
  for (const name of unknownEnv) err.write(`config check: warning: unknown variable ${name} is ignored\n`);
  for (const s of SETTINGS) out.write(`${s.env}=${shown(s.key, config[s.key])}\n`);
  if (problems.length > 0) {
    for (const p of problems) err.write(`config check: invalid configuration: ${p}\n`);
    return 1;
  }
  try {
    await checkBackends(config);
  } catch (e) {
    if (!(e instanceof StartupError)) throw e;
    err.write(`config check: ${e.message}\n`);
    return 1;
  }
  const database = config.databaseUrl ? 'PostgreSQL, answering' : `SQLite under ${config.dataDir}`;
  const redis = config.redisUrl ? '; Redis answering' : '';
  out.write(`config check: ok (database: ${database}${redis})\n`);
  return 0;
}
