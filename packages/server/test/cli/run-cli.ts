/**
 * Runs the `switchboard` CLI: in this process (`runInProcess`, the same dispatch with its own streams, for the
 * many cases of one command), or as a child process through the same bin file users get (`runCli`, for what only
 * a process shows: exit codes, the bin wiring, `start`). Both see an environment without the developer's own
 * Switchboard settings, so results do not depend on the machine.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { SETTINGS } from '../../src/app/config.js';
import { runCommand } from '../../src/cli/run.js';

export const BIN = fileURLToPath(new URL('../../bin/switchboard.mjs', import.meta.url));
/** The bin then runs the CLI's TypeScript source (through tsx), never a possibly stale dist/. */
const FROM_SOURCE = '--conditions=switchboard-source';
const FORBID_TYPESCRIPT = fileURLToPath(new URL('../support/forbid-typescript.mjs', import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** process.env without any variable the config reads or would warn about. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const settingNames = new Set(SETTINGS.map((s) => s.env));
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!settingNames.has(k) && !k.startsWith('SWITCHBOARD_')) env[k] = v;
  }
  return { ...env, ...extra };
}

export function runCli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [FROM_SOURCE, BIN, ...args],
      { env: cleanEnv(env), timeout: 30_000 },
      (err, stdout, stderr) => {
        if (err && typeof err.code !== 'number') reject(err);
        else resolve({ code: err ? Number(err.code) : 0, stdout, stderr });
      },
    );
  });
}

/** Collects what a command writes. */
class Collected extends Writable {
  text = '';
  override _write(chunk: Buffer | string, _encoding: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

/** One command through the CLI's dispatch in this process; `env` is the whole environment it sees. */
export async function runInProcess(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const stdout = new Collected();
  const stderr = new Collected();
  const code = await runCommand(args, { env, stdout, stderr });
  if (code === 'running') throw new Error('start runs only in a child process (startCli)');
  return { code, stdout: stdout.text, stderr: stderr.text };
}

/** A temporary data dir, removed by the returned cleanup. */
export function tempDataDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-cli-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Starts `switchboard start` and resolves once it printed its address. `from: 'dist'` runs it as users do: the
 * compiled CLI on plain node, with no export condition, and a guard that fails the start if tsx or any TypeScript
 * file would be loaded.
 */
export function startCli(
  env: Record<string, string>,
  timeoutMs = 30_000,
  from: 'source' | 'dist' = 'source',
  cwd?: string,
): Promise<{ child: ChildProcess; address: string; stdout: () => string }> {
  const childEnv = cleanEnv(env);
  if (from === 'dist') childEnv.NODE_OPTIONS = `--import=${FORBID_TYPESCRIPT}`;
  const child = spawn(process.execPath, from === 'source' ? [FROM_SOURCE, BIN, 'start'] : [BIN, 'start'], {
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(cwd ? { cwd } : {}),
  });
  let out = '';
  let errOut = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => fail(new Error(`start printed no address within ${timeoutMs} ms:\n${out}\n${errOut}`)),
      timeoutMs,
    );
    const fail = (err: Error) => {
      clearTimeout(timer);
      child.kill();
      reject(err);
    };
    child.stderr.on('data', (chunk: Buffer) => {
      errOut += chunk.toString();
    });
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(out);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve({ child, address: match[1], stdout: () => out });
      }
    });
    child.once('exit', (code) => fail(new Error(`start exited with ${code}:\n${out}\n${errOut}`)));
  });
}

/** Sends SIGTERM and waits for the process to exit; resolves with its exit code. */
export function stopChild(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.kill('SIGTERM');
  });
}
