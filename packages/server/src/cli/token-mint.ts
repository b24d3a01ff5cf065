/**
 * `switchboard token mint --server | --user <id> [--ttl <seconds>] [--call-cids type:id,...]`: prints one HS256
 * JWT (docs/api.md "Authentication") on stdout and nothing else, so `TOKEN=$(switchboard token mint --server)` works.
 *
 * The secret is SWITCHBOARD_API_SECRET when set, otherwise the credentials a node generated in its data dir. This
 * never generates credentials itself: a token signed by a secret no server knows would only fail later, and less
 * clearly.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { isUserId } from '@switchboard/protocol';
import { SignJWT } from 'jose';
import { loadConfig } from '../app/config.js';
import { resolveCredentials } from '../app/credentials.js';
import { UsageError } from './usage-error.js';

/** User tokens expire after an hour unless told otherwise; a leaked dev token should not live forever. */
const DEFAULT_USER_TTL_SECONDS = 3600;

export interface MintRequest {
  kind: 'server' | 'user';
  userId?: string;
  /** Seconds until `exp`; undefined or 0 means no `exp` claim. */
  ttlSeconds?: number;
  callCids?: string[];
}

/**
 * `--ttl -5` as `--ttl=-5`: parseArgs takes a value starting with `-` for an option, and its complaint about that
 * ("ambiguous") says nothing about seconds; this way the value reaches the check below and gets a clear message.
 */
function joinNegativeTtl(args: string[]): string[] {
  const joined: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const next = args[i + 1];
    if (args[i] === '--ttl' && next !== undefined && /^-\d/.test(next)) {
      joined.push(`--ttl=${next}`);
      i++;
    } else joined.push(args[i] as string);
  }
  return joined;
}

export function parseMintArgs(args: string[]): MintRequest {
  const { values, positionals } = parseArgs({
    args: joinNegativeTtl(args),
    allowPositionals: true,
    options: {
      server: { type: 'boolean' },
      user: { type: 'string' },
      ttl: { type: 'string' },
      'call-cids': { type: 'string' },
    },
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument: ${positionals[0]}`);
  if (Boolean(values.server) === (values.user !== undefined)) {
    throw new UsageError('token mint needs exactly one of --server or --user <id>');
  }
  let ttlSeconds: number | undefined;
  if (values.ttl !== undefined) {
    ttlSeconds = Number(values.ttl);
    if (!Number.isInteger(ttlSeconds) || ttlSeconds < 0) {
      throw new UsageError(`--ttl must be a whole number of seconds, 0 or more (0 = no expiry), got ${values.ttl}`);
    }
  }
  if (values.server) {
    if (values['call-cids'] !== undefined) throw new UsageError('--call-cids only applies to user tokens');
    return { kind: 'server', ttlSeconds };
  }
  const userId = values.user ?? '';
  if (!isUserId(userId)) {
    throw new UsageError('--user needs a valid user id (no control characters or outer whitespace, not *)');
  }
  const callCids = values['call-cids']
    ?.split(',')
    .map((c) => c.trim())
    .filter((c) => c !== '');
  for (const cid of callCids ?? []) {
    if (!/^[a-z0-9_-]{1,64}:[a-zA-Z0-9_-]{1,64}$/.test(cid)) {
      throw new UsageError(`--call-cids: ${cid} is not a call cid (type:id)`);
    }
  }
  return { kind: 'user', userId, ttlSeconds: ttlSeconds ?? DEFAULT_USER_TTL_SECONDS, callCids };
}

/** The app secret: from the environment, else from the data dir's credentials.json; throws when neither exists. */
export function secretFromEnvironment(env: NodeJS.ProcessEnv): string {
  const { config } = loadConfig(env);
  if (config.apiSecret) return config.apiSecret;
  if (!existsSync(join(config.dataDir, 'credentials.json'))) {
    throw new Error(
      `no app secret: set SWITCHBOARD_API_SECRET, or start the server once so it generates ${join(config.dataDir, 'credentials.json')}`,
    );
  }
  return resolveCredentials(config.dataDir).apiSecret;
}

export async function mintToken(secret: string, request: MintRequest, nowSeconds = Date.now() / 1000): Promise<string> {
  const claims: Record<string, unknown> =
    request.kind === 'server' ? { server: true } : { user_id: request.userId, call_cids: request.callCids };
  if (claims.call_cids === undefined) delete claims.call_cids;
  const iat = Math.floor(nowSeconds);
  const jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setIssuedAt(iat);
  if (request.ttlSeconds) jwt.setExpirationTime(iat + request.ttlSeconds);
  return jwt.sign(new TextEncoder().encode(secret));
}

export async function tokenMint(args: string[], env: NodeJS.ProcessEnv, out: NodeJS.WritableStream): Promise<number> {
  const request = parseMintArgs(args);
  out.write(`${await mintToken(secretFromEnvironment(env), request)}\n`);
  return 0;
}
