/** `npm start`: one Switchboard node from environment configuration. */

import { join } from 'node:path';
import type { SwitchboardNode } from './app/compose.js';
import type { Config } from './app/config.js';
import { loadStartConfig, preflight } from './app/preflight.js';
import { dataDirFailure, listenFailure, StartupError } from './app/startup-error.js';

/**
 * A configuration or environment problem is one line naming the setting, and exit code 1: the operator's next step
 * is to change a setting, which a stack trace only hides. Anything else is a bug and keeps its stack.
 */
function exitOnStartupFailure(err: unknown, config: Config | undefined): never {
  const failure =
    err instanceof StartupError
      ? err
      : config && (listenFailure(err, config.host, config.port) ?? dataDirFailure(err, config.dataDir));
  if (!failure) throw err;
  process.stderr.write(`switchboard: ${failure.message}\n`);
  process.exit(1);
}

let config: Config | undefined;
let node: SwitchboardNode;
let address: string;
try {
  const loaded = loadStartConfig(process.env);
  config = loaded.config;
  await preflight(config);
  // Loaded only now: a start refused by the checks above answers without loading (or compiling) the whole server.
  const { composeNode } = await import('./app/compose.js');
  node = await composeNode({ config });
  for (const name of loaded.unknownEnv) node.app.log.warn({ env: name }, 'unknown SWITCHBOARD_* variable ignored');
  address = await node.listen();
} catch (err) {
  exitOnStartupFailure(err, config);
}
const { shutdownTimeoutMs, dataDir, apiSecret, databaseUrl } = config;

// Draining (docs/api.md "Realtime connection"): /readyz turns 503, WebSockets close with 4010 so clients reconnect
// to another node, this node's participants are handed over (presence grace), in-flight requests finish (answers
// carry `Connection: close` while draining, so keep-alive connections end); whatever still hangs after
// SWITCHBOARD_SHUTDOWN_TIMEOUT_MS is cut by exiting (code 1) so an orchestrator's restart is never blocked.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    setTimeout(() => {
      node.app.log.error({ timeoutMs: shutdownTimeoutMs }, 'shutdown timed out; exiting');
      process.exit(1);
    }, shutdownTimeoutMs).unref();
    node.close().then(
      () => process.exit(0),
      (err: unknown) => {
        node.app.log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  });
}

// The secret is shown once, when it was just generated: logs of later starts (often collected and kept) never
// carry it. Whoever needs it again reads it where it is kept.
const secret = node.generatedCredentials
  ? `  API secret: ${node.apiSecret}\n  (generated and saved in ${join(dataDir, 'credentials.json')}; shown only this once)`
  : `  API secret: not shown (${apiSecret ? 'from SWITCHBOARD_API_SECRET' : `kept in ${join(dataDir, 'credentials.json')}`})`;
// A link is printed only when it works: the demo page cannot join anyone without a demo token.
const demo = node.demoTokens.enabled ? `${address}/demo` : `off (${node.demoTokens.reason})`;
const database = databaseUrl ? 'PostgreSQL' : `SQLite under ${dataDir}`;
process.stdout.write(
  `\nSwitchboard listening on ${address}\n  API key:    ${node.apiKey}\n${secret}\n  (database: ${database})\n` +
    `  Demo call:  ${demo}\n\n`,
);
