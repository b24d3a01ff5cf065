/**
 * Resume replay (docs/realtime.md "Resuming"): a member of a call loses its socket while BENCH_RESUME_EVENTS
 * (default 1000, the default replay bound) custom events are committed, then resumes. Measured, per round: the
 * time from sending the resume message to the last replayed event arriving, against a plain connect (message sent
 * → `connection.ok`) in the same run, as `replay_ms / connect_ms` and microseconds per replayed event. One node in
 * this process on SQLite (a temp dir), so the figures include the client's own work; BENCH_RESUME_ROUNDS (default 5).
 * From the second round on, the replay also repeats the previous round's events (the 10 s look-back), as it would
 * for a client that reconnects within seconds: those are sent but not counted.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createUserToken, SwitchboardClient } from '@switchboard/sdk';
import WebSocket from 'ws';
import { composeNode } from '../src/app/compose.js';
import { loadConfig } from '../src/app/config.js';
import type { LoadSettings } from './support/settings.js';

export const name = 'resume-replay';

interface Message {
  type: string;
  id?: string;
  custom?: { r?: number };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const round2 = (x: number) => Math.round(x * 100) / 100;

/** Opens a socket, sends the auth message (plus `extra`), resolves when `done` says so for a received message. */
function session(url: string, first: object, done: (m: Message) => boolean) {
  return new Promise<{ ms: number; lastId: string | undefined; ws: WebSocket }>((resolve, reject) => {
    const ws = new WebSocket(url);
    let started = 0;
    let lastId: string | undefined;
    ws.on('open', () => {
      started = performance.now();
      ws.send(JSON.stringify(first));
    });
    ws.on('message', (data) => {
      const m = JSON.parse(data.toString()) as Message;
      if (typeof m.id === 'string') lastId = m.id;
      if (m.type === 'connection.error') reject(new Error(data.toString()));
      if (done(m)) resolve({ ms: performance.now() - started, lastId, ws });
    });
    ws.on('error', reject);
  });
}

export async function run(_settings: LoadSettings, log: (line: string) => void): Promise<Record<string, unknown>> {
  const events = Number(process.env.BENCH_RESUME_EVENTS ?? 1000) || 1000;
  const rounds = Number(process.env.BENCH_RESUME_ROUNDS ?? 5) || 5;
  const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-bench-resume-'));
  const { config } = loadConfig(
    {},
    { port: 0, host: '127.0.0.1', dataDir, logLevel: 'silent', resumeMaxEvents: events, rateLimitUserConnects: 0 },
  );
  const node = await composeNode({ config });
  const baseUrl = await node.listen();
  try {
    const server = new SwitchboardClient(node.apiKey, node.apiSecret, { baseUrl });
    await server.upsertUsers([{ id: 'owner' }, { id: 'member' }]);
    const call = server.call('default', 'resume-bench');
    await call.getOrCreate({
      data: { created_by_id: 'owner', members: [{ user_id: 'owner' }, { user_id: 'member' }] },
    });
    const token = await createUserToken(node.apiSecret, { user_id: 'member' });
    const url = `${baseUrl.replace(/^http/, 'ws')}/video/connect?api_key=${node.apiKey}&stream-auth-type=jwt`;
    const auth = { token, user_details: { id: 'member' } };
    const connectMs: number[] = [];
    const replayMs: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const plain = await session(url, auth, (m) => m.type === 'connection.ok');
      connectMs.push(plain.ms);
      const anchorArrived = new Promise<string>((resolve) =>
        plain.ws.on('message', (data) => {
          const m = JSON.parse(data.toString()) as { type: string; id?: string };
          if (m.type === 'custom' && m.id) resolve(m.id);
        }),
      );
      await call.sendCustomEvent({ n: -1 }); // the resume point
      const anchor = await anchorArrived;
      plain.ws.close();
      for (let n = 0; n < events; n++) await call.sendCustomEvent({ r, n });
      let got = 0;
      const resumed = await session(url, { ...auth, last_event_id: anchor }, (m) => {
        if (m.type === 'connection.resync') throw new Error('resync instead of a replay');
        // The replay also repeats the events of the seconds before the resume point (earlier rounds): not counted.
        if (m.type === 'custom' && m.custom?.r === r) got++;
        return got === events;
      });
      resumed.ws.close();
      replayMs.push(resumed.ms);
      log(`round ${r + 1}: connect ${round2(plain.ms)} ms, resume with ${events} events ${round2(resumed.ms)} ms`);
    }
    const replay = median(replayMs);
    const connect = median(connectMs);
    return {
      benchmark: name,
      database: 'sqlite',
      events,
      rounds,
      connect_ms_p50: round2(connect),
      replay_ms_p50: round2(replay),
      replay_us_per_event: round2(((replay - connect) * 1000) / events),
      replay_to_connect_ratio: round2(replay / connect),
    };
  } finally {
    await node.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
