/**
 * get-or-create of an existing call (issue 2, part 13): POST /api/v2/video/call/default/<id> with a server token and
 * body `{}` — auth, call lookup, members and capabilities, no write — against GET / on a bare fastify hello world.
 * Target: switchboard_rps / baseline_rps >= 0.40 on a 2-core machine.
 *
 * Also reported, not judged: the hello world sent the identical request (same POST, path, headers and body), so
 * the load generator does the same work on both sides and the ratio is the servers' difference alone.
 */
import { availableParallelism, cpus, loadavg } from 'node:os';
import { createServerToken, SwitchboardClient } from '@switchboard/sdk';
import { measure } from './support/load.js';
import { type ServerProcess, startServerProcess } from './support/server-process.js';
import type { LoadSettings } from './support/settings.js';

export const name = 'get-or-create-existing-call';
const TARGET_RATIO = 0.4;
const CALL_ID = 'bench-call';

export async function run(settings: LoadSettings, log: (line: string) => void): Promise<Record<string, unknown>> {
  const loadAtStart = Math.round((loadavg()[0] ?? 0) * 100) / 100;
  const switchboard = await startServerProcess('switchboard');
  let baseline: ServerProcess | undefined;
  try {
    baseline = await startServerProcess('hello-world');
    const { url, apiKey, apiSecret } = switchboard.info;
    if (!apiKey || !apiSecret) throw new Error('switchboard server reported no credentials');
    const client = new SwitchboardClient(apiKey, apiSecret, { baseUrl: url });
    await client.upsertUsers([{ id: 'alice' }, { id: 'bob' }, { id: 'carol' }]);
    const call = client.video.call('default', CALL_ID);
    await call.create({
      data: {
        created_by_id: 'alice',
        members: [{ user_id: 'alice', role: 'admin' }, { user_id: 'bob' }, { user_id: 'carol' }],
      },
    });
    const again = await call.getOrCreate({ data: {} });
    if (again.created !== false) throw new Error('get-or-create of the existing call did not answer created: false');

    const target = {
      url: `${url}/api/v2/video/call/default/${CALL_ID}?api_key=${apiKey}`,
      method: 'POST' as const,
      headers: {
        authorization: await createServerToken(apiSecret),
        'stream-auth-type': 'jwt',
        'content-type': 'application/json',
      },
      body: '{}',
    };
    log(`${name}: baseline (fastify hello world) for ${settings.durationS} s`);
    const base = await measure({ url: `${baseline.info.url}/`, method: 'GET' }, settings);
    log(`${name}: switchboard for ${settings.durationS} s`);
    const sb = await measure(target, settings);
    log(`${name}: baseline given the same request for ${settings.durationS} s`);
    const sameRequest = await measure({ ...target, url: target.url.replace(url, baseline.info.url) }, settings);
    for (const [which, r] of [
      ['baseline', base],
      ['switchboard', sb],
      ['baseline (same request)', sameRequest],
    ] as const) {
      if (r.failures > 0) throw new Error(`${which}: ${r.failures} of ${r.requests} requests failed`);
    }
    const ratio = Math.round((sb.rps / base.rps) * 1000) / 1000;
    return {
      benchmark: name,
      switchboard_rps: sb.rps,
      baseline_rps: base.rps,
      ratio,
      target_ratio: TARGET_RATIO,
      meets_target: ratio >= TARGET_RATIO,
      baseline_same_request_rps: sameRequest.rps,
      ratio_same_request: Math.round((sb.rps / sameRequest.rps) * 1000) / 1000,
      switchboard_p50_ms: sb.p50_ms,
      switchboard_p99_ms: sb.p99_ms,
      baseline_p50_ms: base.p50_ms,
      baseline_p99_ms: base.p99_ms,
      duration_s: settings.durationS,
      warmup_s: settings.warmupS,
      connections: settings.connections,
      node: process.version,
      cpus: availableParallelism(),
      cpu_model: cpus()[0]?.model ?? 'unknown',
      // Other work on the machine skews both figures; a load above ~0.5 at the start means re-run when it is quiet.
      load_avg_1m_at_start: loadAtStart,
    };
  } finally {
    await Promise.all([switchboard.stop(), baseline?.stop()]);
  }
}
