/**
 * The `switchboard` command's dispatch, apart from the process it runs in: `cli.ts` hands it the real argv,
 * environment and streams; tests hand it their own and read what it wrote, without starting a process per case.
 *
 * Exit codes: 0 success, 1 failed (invalid config, unreachable backend, no secret), 2 wrong usage.
 */
import { serverVersion } from '../version.js';
import { configCheck } from './config-check.js';
import { configEnv } from './config-env.js';
import { tokenMint } from './token-mint.js';
import { UsageError } from './usage-error.js';

export { serverVersion };

export const USAGE = `usage:
  switchboard start
  switchboard config env
  switchboard config check
  switchboard token mint --server [--ttl <seconds>]
  switchboard token mint --user <id> [--ttl <seconds, default 3600; 0 = no expiry>] [--call-cids type:id,...]
  switchboard --version
`;

export interface CliIo {
  env: NodeJS.ProcessEnv;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Runs a node in this process (`start`); only the real command has one. */
  start?: () => Promise<void>;
}

async function dispatch(argv: string[], io: CliIo): Promise<number | 'running'> {
  const [command, sub, ...rest] = argv;
  const noExtra = (args: string[]) => {
    if (args.length > 0) throw new UsageError(`unexpected argument: ${args[0]}`);
  };
  switch (command) {
    case 'start':
      noExtra(argv.slice(1));
      if (!io.start) throw new Error('start is not available here');
      await io.start();
      return 'running';
    case 'config':
      noExtra(rest);
      if (sub === 'env') return configEnv(io.stdout);
      if (sub === 'check') return configCheck(io.env, io.stdout, io.stderr);
      throw new UsageError(sub ? `unknown config command: ${sub}` : 'config needs a subcommand');
    case 'token':
      if (sub === 'mint') return tokenMint(rest, io.env, io.stdout);
      throw new UsageError(sub ? `unknown token command: ${sub}` : 'token needs a subcommand');
    case '--version':
    case '-v':
    case 'version':
      noExtra(argv.slice(1));
      io.stdout.write(`switchboard ${serverVersion()}\n`);
      return 0;
    case 'help':
    case '--help':
    case '-h':
      io.stdout.write(USAGE);
      return 0;
    default:
      throw new UsageError(command ? `unknown command: ${command}` : 'no command given');
  }
}

/** Runs one command; every failure becomes a message on stderr and an exit code, never an exception. */
export async function runCommand(argv: string[], io: CliIo): Promise<number | 'running'> {
  try {
    return await dispatch(argv, io);
  } catch (err) {
    if (
      err instanceof UsageError ||
      (err instanceof TypeError && 'code' in err && /^ERR_PARSE_ARGS/.test(String(err.code)))
    ) {
      io.stderr.write(`switchboard: ${err.message}\n\n${USAGE}`);
      return 2;
    }
    // `start` reports configuration and environment failures itself (one line, exit 1); what reaches here from it
    // is a bug, and its stack is what a bug report needs.
    const startBug = argv[0] === 'start' && err instanceof Error && err.stack;
    io.stderr.write(startBug ? `${err.stack}\n` : `switchboard: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}
