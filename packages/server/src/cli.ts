/**
 * The `switchboard` command: a thin adapter over the same modules the server uses (config table, credentials).
 *
 *   switchboard start                    run one node (what `npm start` runs)
 *   switchboard config env               the environment variables as a markdown table
 *   switchboard config check             validate the environment, reach its database and Redis; exit 1 when not
 *   switchboard token mint --server | --user <id> [--ttl <seconds>] [--call-cids type:id,...]
 *   switchboard --version
 *
 * Exit codes: 0 success, 1 failed (invalid config, unreachable backend, no secret), 2 wrong usage.
 */
import { runCommand } from './cli/run.js';

const code = await runCommand(process.argv.slice(2), {
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
  // Imported only here: the other commands never load the server.
  start: async () => {
    await import('./main.js');
  },
});
if (code !== 'running') process.exitCode = code;
