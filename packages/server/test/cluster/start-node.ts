/**
 * Starts `switchboard start` as a child process for the cluster tests and resolves once the node is ready: it
 * printed its address and `/readyz` answers 200 (database and bus reachable, not draining). There is deliberately no
 * time limit of its own: a start on a loaded machine may take minutes, and only the test runner decides when a test
 * has run too long. A node that cannot start exits, and that rejects at once with its output.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { setTimeout as delay } from 'node:timers/promises';
import { BIN, cleanEnv } from '../cli/run-cli.js';

export interface StartedNode {
  child: ChildProcess;
  address: string;
}

/** `entry`: the node arguments before `start` (default the `switchboard` bin; the upgrade test runs a later release). */
export async function startReadyNode(env: Record<string, string>, entry: string[] = [BIN]): Promise<StartedNode> {
  const child = spawn(process.execPath, [...entry, 'start'], { env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let errOut = '';
  child.stderr.on('data', (chunk: Buffer) => {
    errOut += chunk.toString();
  });
  const exited = new Promise<never>((_resolve, reject) => {
    child.once('exit', (code, signal) =>
      reject(new Error(`switchboard start exited (${code ?? signal}) before it was ready:\n${out}\n${errOut}`)),
    );
  });
  // Whoever wins the race below, a later exit must not surface as an unhandled rejection.
  exited.catch(() => {});
  const printed = new Promise<string>((resolve) => {
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(out);
      if (match?.[1]) resolve(match[1]);
    });
  });
  const address = await Promise.race([printed, exited]);
  await Promise.race([ready(address), exited]);
  return { child, address };
}

/** Polls `/readyz` until it answers 200; a listening node answers at once, so this waits for its backends only. */
async function ready(address: string): Promise<void> {
  for (;;) {
    const status = await fetch(new URL('/readyz', address))
      .then(async (res) => {
        await res.arrayBuffer();
        return res.status;
      })
      .catch(() => 0);
    if (status === 200) return;
    await delay(50);
  }
}
