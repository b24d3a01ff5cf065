/**
 * The `switchboard` command: a thin adapter over the same modules the server uses (config table, credentials).
 *
 *   switchboard start                    run one node (what `npm start` runs)
 *   switchboard config env               the environment variables as a markdown table
 *   switchboard config check             validate the current environment; exit 1 when invalid
 *   switchboard token mint --server | --user <id> [--ttl <seconds>] [--call-cids type:id,...]
 *
 * Exit codes: 0 success, 1 failed (invalid config, no secret), 2 wrong usage.
 */
import { configCheck } from './cli/config-check.js';
import { configEnv } from './cli/config-env.js';
import { tokenMint } from './cli/token-mint.js';
import { UsageError } from './cli/usage-error.js';

const USAGE = `usage:
  switchboard start
  switchboard config env
  switchboard config check
  switchboard token mint --server [--ttl <seconds>]
  switchboard token mint --user <id> [--ttl <seconds, default 3600; 0 = no expiry>] [--call-cids type:id,...]
`;

async function run(argv: string[]): Promise<number | 'running'> {
  const [command, sub, ...rest] = argv;
  const noExtra = (args: string[]) => {
    if (args.length > 0) throw new UsageError(`unexpected argument: ${args[0]}`);
  };
  switch (command) {
    case 'start':
      noExtra(argv.slice(1));
      await import('./main.js');
      return 'running';
    case 'config':
      noExtra(rest);
      if (sub === 'env') return configEnv(process.stdout);
      if (sub === 'check') return configCheck(process.env, process.stdout, process.stderr);
      throw new UsageError(sub ? `unknown config command: ${sub}` : 'config needs a subcommand');
    case 'token':
      if (sub === 'mint') return tokenMint(rest, process.env, process.stdout);
      throw new UsageError(sub ? `unknown token command: ${sub}` : 'token needs a subcommand');
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return 0;
    default:
      throw new UsageError(command ? `unknown command: ${command}` : 'no command given');
  }
}

try {
  const code = await run(process.argv.slice(2));
  if (code !== 'running') process.exitCode = code;
} catch (err) {
  if (
    err instanceof UsageError ||
    (err instanceof TypeError && 'code' in err && /^ERR_PARSE_ARGS/.test(String(err.code)))
  ) {
    process.stderr.write(`switchboard: ${err.message}\n\n${USAGE}`);
    process.exitCode = 2;
  } else {
    process.stderr.write(`switchboard: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  }
}
