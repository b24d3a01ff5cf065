/** Entry of a forked server under test: starts the server named by argv, sends its address, stops when told. */
import { type ServerKind, startServer } from './servers.js';

const kind = process.argv[2] as ServerKind;
const server = await startServer(kind);
process.send?.(server.info);
process.on('message', async (msg: { type?: string }) => {
  if (msg.type !== 'stop') return;
  await server.close();
  // Exit explicitly: a pool or timer left open must not hang the run, and --cpu-prof writes its profile on exit.
  process.exit(0);
});
