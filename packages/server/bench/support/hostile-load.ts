/**
 * Mixed abuse against one running node while an honest client works and `/healthz` is polled: what the hostile
 * soak benchmark runs for a minute and the suite's short soak test for a few seconds. Abuse answers are counted,
 * not judged (429, 413 and 400 are all fine); the honest client's requests must all succeed.
 *
 * The abuse: oversized bodies (past the body limit), deeply nested bodies, unknown call types from anonymous
 * clients (distinct names each time), a flood of Query* requests, repeated joins of one call by one user, and
 * sockets sending a request body one byte at a time (reopened whenever the server cuts them).
 */
import { connect, type Socket } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { createServerToken, createUserToken } from '@switchboard/sdk';

export interface HostileTarget {
  baseUrl: string;
  apiKey: string;
  apiSecret: string;
}

export interface HostileOptions {
  durationMs: number;
  /** Sockets trickling a body at any time. */
  slowSockets: number;
  /** Pause between the trickled bytes (the report's attack sent one byte every 5 s). */
  slowByteIntervalMs: number;
  /** Concurrent loops per kind of request abuse. */
  floodLoops: number;
  /** Pause between two honest requests (an app's pace, not a flood). */
  honestPauseMs: number;
  healthzIntervalMs: number;
  /** Size of the oversized bodies (default 2 MiB, twice the body limit). */
  oversizedBytes?: number;
  /** Nesting depth of the deep bodies (default 20,000). */
  deepLevels?: number;
}

export interface HostileReport {
  duration_s: number;
  rss_start_mb: number;
  rss_end_mb: number;
  rss_peak_mb: number;
  healthz: { requests: number; failures: number; p50_ms: number; p99_ms: number; max_ms: number };
  honest: { requests: number; succeeded: number; failed: number; first_failures: string[]; p99_ms: number };
  abuse: Record<string, { requests: number; statuses: Record<string, number> }>;
  slow_bodies: { opened: number; cut_by_server: number; longest_open_s: number };
}

const quantile = (xs: number[], q: number): number => {
  if (xs.length === 0) return 0;
  const sorted = [...xs].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! * 10) / 10;
};
const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);

/** The node's resident set size, from its own Prometheus metrics (works in-process and across processes). */
export async function residentBytes(baseUrl: string): Promise<number> {
  const text = await (await fetch(new URL('/metrics', baseUrl))).text();
  // Every series carries the node's label: `process_resident_memory_bytes{node="…"} 123`.
  const line = text.split('\n').find((l) => /^process_resident_memory_bytes[ {]/.test(l));
  if (!line) throw new Error('/metrics has no process_resident_memory_bytes');
  return Number(line.slice(line.lastIndexOf(' ') + 1));
}

export async function runHostileLoad(target: HostileTarget, options: HostileOptions): Promise<HostileReport> {
  const { baseUrl, apiKey, apiSecret } = target;
  const url = (path: string) => `${baseUrl}${path}${path.includes('?') ? '&' : '?'}api_key=${apiKey}`;
  const server = await createServerToken(apiSecret);
  const json = { 'content-type': 'application/json', 'stream-auth-type': 'jwt' };
  const as = (token: string) => ({ ...json, authorization: token });
  // Setup: users and the calls both sides use.
  const setup = await fetch(url('/api/v2/users'), {
    method: 'POST',
    headers: as(server),
    body: JSON.stringify({ users: { honest: { id: 'honest' }, abuser: { id: 'abuser' } } }),
  });
  if (!setup.ok) throw new Error(`setup: upsert users answered ${setup.status}`);
  for (const [id, owner] of [
    ['honest-call', 'honest'],
    ['abused-call', 'abuser'],
  ]) {
    const res = await fetch(url(`/api/v2/video/call/default/${id}`), {
      method: 'POST',
      headers: as(server),
      body: JSON.stringify({ data: { created_by_id: owner, members: [{ user_id: owner }] } }),
    });
    if (!res.ok) throw new Error(`setup: create ${id} answered ${res.status}`);
    await res.arrayBuffer();
  }
  const honest = await createUserToken(apiSecret, { user_id: 'honest' });
  const abuser = await createUserToken(apiSecret, { user_id: 'abuser' });

  const rssSamples = [await residentBytes(baseUrl)];
  const started = performance.now();
  const deadline = started + options.durationMs;
  const running = () => performance.now() < deadline;
  const abuse: HostileReport['abuse'] = {};
  const count = (kind: string, status: number | string) => {
    const entry = abuse[kind] ?? { requests: 0, statuses: {} };
    abuse[kind] = entry;
    entry.requests++;
    entry.statuses[String(status)] = (entry.statuses[String(status)] ?? 0) + 1;
  };
  const hit = async (kind: string, path: string, init: RequestInit) => {
    try {
      const res = await fetch(url(path), init);
      await res.arrayBuffer();
      count(kind, res.status);
    } catch {
      count(kind, 'error');
    }
  };
  const loops = (body: (i: number) => Promise<void>) =>
    Array.from({ length: options.floodLoops }, async (_, loop) => {
      for (let i = 0; running(); i++) await body(loop * 1_000_000 + i);
    });

  const oversized = JSON.stringify({
    data: { custom: { blob: 'x'.repeat(options.oversizedBytes ?? 2 * 1024 * 1024) } },
  });
  const levels = options.deepLevels ?? 20_000;
  const deep = `{"data":{"custom":{"d":${'['.repeat(levels)}${']'.repeat(levels)}}}}`;
  const floodFilter = {
    filter_conditions: { 'custom.tag': { $in: Array.from({ length: 100 }, (_, i) => `t${i}`) } },
    limit: 25,
  };
  const work: Promise<unknown>[] = [
    ...loops(() =>
      hit('oversized_body', '/api/v2/video/call/default/abused-call', {
        method: 'POST',
        headers: as(abuser),
        body: oversized,
      }),
    ),
    ...loops(() =>
      hit('deep_body', '/api/v2/video/call/default/abused-call', { method: 'POST', headers: as(abuser), body: deep }),
    ),
    ...loops((i) =>
      hit('unknown_call_type', `/api/v2/video/call/unknown-type-${i}/x`, {
        headers: { 'stream-auth-type': 'anonymous' },
      }),
    ),
    ...loops(() =>
      hit('query_flood', '/api/v2/video/calls', {
        method: 'POST',
        headers: as(abuser),
        body: JSON.stringify(floodFilter),
      }),
    ),
    (async () => {
      while (running()) {
        await hit('repeated_join', '/api/v2/video/call/default/abused-call/join', {
          method: 'POST',
          headers: as(abuser),
          body: '{}',
        });
      }
    })(),
  ];

  // Slow bodies: each socket announces 10 kB and trickles it; a cut socket is replaced at once.
  const slow = { opened: 0, cut_by_server: 0, longest_open_s: 0 };
  const sockets = new Set<Socket>();
  const { hostname, port } = new URL(baseUrl);
  const trickle = async (): Promise<void> => {
    while (running()) {
      const socket = connect(Number(port), hostname);
      sockets.add(socket);
      slow.opened++;
      const openedAt = performance.now();
      let cut = false;
      const closed = new Promise<void>((resolve) => {
        socket.on('close', () => {
          cut = running();
          resolve();
        });
        socket.on('error', () => {});
      });
      socket.write(
        `POST /api/v2/video/calls?api_key=${apiKey} HTTP/1.1\r\nHost: x\r\nAuthorization: ${abuser}\r\nstream-auth-type: jwt\r\ncontent-type: application/json\r\ncontent-length: 10000\r\n\r\n`,
      );
      while (running() && !socket.destroyed) {
        socket.write(' ');
        await Promise.race([delay(options.slowByteIntervalMs), closed]);
      }
      if (cut) {
        slow.cut_by_server++;
        slow.longest_open_s = Math.max(slow.longest_open_s, (performance.now() - openedAt) / 1000);
      }
      socket.destroy();
      sockets.delete(socket);
    }
  };
  work.push(...Array.from({ length: options.slowSockets }, trickle));

  // The honest client: its own call, at an app's pace; every request must succeed.
  const honestReport = { requests: 0, succeeded: 0, failed: 0, first_failures: [] as string[] };
  const honestLatencies: number[] = [];
  const honestStep = async (i: number) => {
    const steps: [string, string, unknown?][] = [
      ['POST', '/api/v2/video/call/default/honest-call', { data: { created_by_id: 'honest' } }],
      ['GET', '/api/v2/video/call/default/honest-call'],
      ['PATCH', '/api/v2/video/call/default/honest-call', { custom: { step: i } }],
      ['POST', '/api/v2/video/calls', { filter_conditions: { id: 'honest-call' } }],
    ];
    const [method, path, body] = steps[i % steps.length]!;
    const at = performance.now();
    honestReport.requests++;
    try {
      const res = await fetch(url(path), {
        method,
        headers: as(honest),
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      if (res.ok) honestReport.succeeded++;
      else {
        honestReport.failed++;
        if (honestReport.first_failures.length < 5) {
          honestReport.first_failures.push(`${method} ${path}: ${res.status} ${text.slice(0, 200)}`);
        }
      }
    } catch (err) {
      honestReport.failed++;
      if (honestReport.first_failures.length < 5) honestReport.first_failures.push(`${method} ${path}: ${err}`);
    }
    honestLatencies.push(performance.now() - at);
  };
  work.push(
    (async () => {
      for (let i = 0; running(); i++) {
        await honestStep(i);
        await delay(options.honestPauseMs);
      }
    })(),
  );

  // /healthz, on its own schedule, measured from send to answer.
  const healthz = { requests: 0, failures: 0 };
  const healthLatencies: number[] = [];
  work.push(
    (async () => {
      while (running()) {
        const at = performance.now();
        healthz.requests++;
        try {
          const res = await fetch(`${baseUrl}/healthz`, { signal: AbortSignal.timeout(10_000) });
          await res.arrayBuffer();
          if (res.status !== 200) healthz.failures++;
        } catch {
          healthz.failures++;
        }
        healthLatencies.push(performance.now() - at);
        await delay(options.healthzIntervalMs);
      }
    })(),
  );
  work.push(
    (async () => {
      while (running()) {
        await delay(1000);
        rssSamples.push(await residentBytes(baseUrl).catch(() => 0));
      }
    })(),
  );

  await Promise.all(work);
  for (const s of sockets) s.destroy();
  const rssEnd = await residentBytes(baseUrl);
  rssSamples.push(rssEnd);
  return {
    duration_s: Math.round((performance.now() - started) / 100) / 10,
    rss_start_mb: mb(rssSamples[0]!),
    rss_end_mb: mb(rssEnd),
    rss_peak_mb: mb(Math.max(...rssSamples)),
    healthz: {
      ...healthz,
      p50_ms: quantile(healthLatencies, 0.5),
      p99_ms: quantile(healthLatencies, 0.99),
      max_ms: quantile(healthLatencies, 1),
    },
    honest: { ...honestReport, p99_ms: quantile(honestLatencies, 0.99) },
    abuse,
    slow_bodies: { ...slow, longest_open_s: Math.round(slow.longest_open_s * 10) / 10 },
  };
}
