/** `npm start`: one Switchboard node from environment configuration. */

import { composeNode } from './app/compose.js';
import { loadConfig } from './app/config.js';

const { config, unknownEnv } = loadConfig();
const node = await composeNode({ config });
for (const name of unknownEnv) node.app.log.warn({ env: name }, 'unknown SWITCHBOARD_* variable ignored');
const address = await node.listen();
const how = node.generatedCredentials ? 'generated and saved' : 'loaded';
process.stdout.write(
  `\nSwitchboard listening on ${address}\n  API key:    ${node.apiKey}\n  API secret: ${node.apiSecret}\n  (${how}; database: ${config.databaseUrl ? 'PostgreSQL' : `SQLite under ${config.dataDir}`})\n\n`,
);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    node.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
