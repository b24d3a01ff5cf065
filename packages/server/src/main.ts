/** `npm start`: one Switchboard node from environment configuration. */

import { join } from 'node:path';
import { composeNode } from './app/compose.js';
import { loadConfig } from './app/config.js';

const { config, unknownEnv } = loadConfig();
const node = await composeNode({ config });
for (const name of unknownEnv) node.app.log.warn({ env: name }, 'unknown SWITCHBOARD_* variable ignored');
// Before anything is printed: whoever waits for the banner may stop the node right after reading it.
// Draining (docs/api.md "Realtime connection"): /readyz turns 503, WebSockets close with 4010 so clients reconnect
// to another node, this node's participants leave, in-flight requests finish; whatever still hangs after
// SWITCHBOARD_SHUTDOWN_TIMEOUT_MS is cut by exiting (code 1) so an orchestrator's restart is never blocked.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    setTimeout(() => {
      node.app.log.error({ timeoutMs: config.shutdownTimeoutMs }, 'shutdown timed out; exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs).unref();
    node.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}

const address = await node.listen();
// The secret is shown once, when it was just generated: logs of later starts (often collected and kept) never
// carry it. Whoever needs it again reads it where it is kept.
const secret = node.generatedCredentials
  ? `  API secret: ${node.apiSecret}\n  (generated and saved in ${join(config.dataDir, 'credentials.json')}; shown only this once)`
  : `  API secret: not shown (${config.apiSecret ? 'from SWITCHBOARD_API_SECRET' : `kept in ${join(config.dataDir, 'credentials.json')}`})`;
// A link is printed only when it works: the demo page cannot join anyone without a demo token.
const demo = node.demoTokens.enabled ? `${address}/demo` : `off (${node.demoTokens.reason})`;
const database = config.databaseUrl ? 'PostgreSQL' : `SQLite under ${config.dataDir}`;
process.stdout.write(
  `\nSwitchboard listening on ${address}\n  API key:    ${node.apiKey}\n${secret}\n  (database: ${database})\n` +
    `  Demo call:  ${demo}\n\n`,
);
