/**
 * Runs the `switchboard` CLI as a child process, through the same bin file users get, with an environment stripped
 * of the developer's own Switchboard settings so results do not depend on the machine.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SETTINGS } from '../../src/app/config.js';

export const BIN = fileURLToPath(new URL('../../bin/switchboard.mjs', import.meta.url));

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
    execFile(process.execPath, [BIN, ...args], { env: cleanEnv(env), timeout: 30_000 }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') reject(err);
      else resolve({ code: err ? Number(err.code) : 0, stdout, stderr });
    });
  });
}

/** A temporary data dir, removed by the returned cleanup. */
export function tempDataDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-cli-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Starts `switchboard start` and resolves once it printed its address. */
export function startCli(
  env: Record<string, string>,
  timeoutMs = 30_000,
  cwd?: string,
): Promise<{ child: ChildProcess; address: string; stdout: () => string }> {
  const child = spawn(process.execPath, [BIN, 'start'], {
    env: cleanEnv(env),
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
