/**
 * What `start` checks before it writes anything (generated credentials, the SQLite file, the schema): the settings
 * go together, HOST:PORT can be listened on, and the database and Redis it names answer. Each failure is a
 * `StartupError` naming the setting to change.
 */
import { createServer } from 'node:net';
import { checkBackends } from './backend-check.js';
import { type Config, configProblems, type LoadedConfig, loadConfig } from './config.js';
import { listenFailure, StartupError } from './startup-error.js';

/** `loadConfig`, with invalid values and settings that do not go together as `StartupError`s. */
export function loadStartConfig(env: NodeJS.ProcessEnv): LoadedConfig {
  let loaded: LoadedConfig;
  try {
    loaded = loadConfig(env);
  } catch (err) {
    throw new StartupError(err instanceof Error ? err.message : String(err));
  }
  const [problem] = configProblems(loaded.config);
  if (problem) throw new StartupError(problem);
  return loaded;
}

/** Listens on HOST:PORT for a moment: the port taken or the host not ours fails here, before anything is written. */
export function assertCanListen(host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (err) => reject(listenFailure(err, host, port) ?? err));
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve()));
  });
}

export async function preflight(config: Config): Promise<void> {
  await assertCanListen(config.host, config.port);
  await checkBackends(config);
}
