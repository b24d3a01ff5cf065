/**
 * The outbound HTTP client at connect time: a name is resolved once, only addresses the policy allows are handed
 * to the socket, address literals are checked too, and redirects are answers, never followed.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Resolver } from '../../src/delivery/outbound/guarded-lookup.js';
import { OutboundHttp } from '../../src/delivery/outbound/outbound-http.js';
import { AddressPolicy } from '../../src/domain/network-address.js';

/** A local server that records the Host header of each request and answers with `answer`. */
async function recordingServer(answer: (res: http.ServerResponse) => void) {
  const hosts: string[] = [];
  const server = http.createServer((req, res) => {
    hosts.push(req.headers.host ?? '');
    req.resume();
    req.on('end', () => answer(res));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  return {
    hosts,
    port,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Resolves once `condition` holds, checking after each turn of the event loop (the server records on arrival). */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
}

/** A resolver that knows a few names (as DNS would answer them) and counts its lookups. */
function fakeDns(table: Record<string, string[]>) {
  const lookups: string[] = [];
  const resolve: Resolver = async (hostname) => {
    lookups.push(hostname);
    const addresses = table[hostname];
    if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return { resolve, lookups };
}

describe('outbound requests at connect time', () => {
  let target: Awaited<ReturnType<typeof recordingServer>>;
  let elsewhere: Awaited<ReturnType<typeof recordingServer>>;
  const clients: OutboundHttp[] = [];
  const client = (allow: string[], resolve: Resolver) => {
    const c = new OutboundHttp({ policy: new AddressPolicy(allow), resolve });
    clients.push(c);
    return c;
  };
  before(async () => {
    elsewhere = await recordingServer((res) => res.writeHead(200).end('internal'));
    target = await recordingServer((res) =>
      res.writeHead(302, { location: `http://127.0.0.1:${elsewhere.port}/internal` }).end(),
    );
  });
  after(async () => {
    for (const c of clients) c.close();
    await Promise.all([target.close(), elsewhere.close()]);
  });

  it('refuses a name that resolves to loopback, and sends nothing', async () => {
    const dns = fakeDns({ 'hooks.rebind.test': ['127.0.0.1'] });
    const before = elsewhere.hosts.length;
    await assert.rejects(
      client([], dns.resolve).request(`http://hooks.rebind.test:${elsewhere.port}/`, { timeoutMs: 5000 }),
      (err: Error & { code?: string }) =>
        err.code === 'ERR_OUTBOUND_REFUSED' && /127\.0\.0\.1 is a loopback address/.test(err.message),
    );
    assert.deepEqual(dns.lookups, ['hooks.rebind.test']);
    assert.equal(elsewhere.hosts.length, before, 'no request reached the loopback server');
  });

  it('refuses an address literal without a lookup', async () => {
    const dns = fakeDns({});
    await assert.rejects(
      client([], dns.resolve).request(`http://[::ffff:127.0.0.1]:${elsewhere.port}/`, { timeoutMs: 5000 }),
      /ipv4-mapped/,
    );
    await assert.rejects(
      client([], dns.resolve).request(`http://127.0.0.1:${elsewhere.port}/`, { timeoutMs: 5000 }),
      /loopback/,
    );
    assert.deepEqual(dns.lookups, []);
  });

  it('connects to the checked address only: of a name that also resolves to a refused one, the allowed one', async () => {
    const dns = fakeDns({ 'hooks.mixed.test': ['10.255.255.1', '127.0.0.1'] });
    const res = await client(['127.0.0.1'], dns.resolve).request(`http://hooks.mixed.test:${elsewhere.port}/`, {
      timeoutMs: 5000,
    });
    assert.equal(res.status, 200);
    assert.equal(res.text, 'internal');
    assert.equal(elsewhere.hosts.at(-1), `hooks.mixed.test:${elsewhere.port}`);
  });

  it('fails a request whose answer does not come within its timeout, and one cut by abortAll', async () => {
    const silent = await recordingServer(() => {}); // reads the request, never answers
    const dns = fakeDns({});
    try {
      const c = client(['127.0.0.1'], dns.resolve);
      await assert.rejects(c.request(`http://127.0.0.1:${silent.port}/`, { timeoutMs: 100 }), {
        name: 'TimeoutError',
      });
      const pending = c.request(`http://127.0.0.1:${silent.port}/`, { timeoutMs: 60_000 });
      await until(() => silent.hosts.length === 2);
      c.abortAll();
      await assert.rejects(pending, { name: 'AbortError' });
    } finally {
      await silent.close();
    }
  });

  it('answers a redirect with its status and does not follow it', async () => {
    const dns = fakeDns({});
    const before = elsewhere.hosts.length;
    const res = await client(['127.0.0.1'], dns.resolve).request(`http://127.0.0.1:${target.port}/hook`, {
      timeoutMs: 5000,
    });
    assert.equal(res.status, 302);
    assert.equal(target.hosts.length, 1);
    assert.equal(elsewhere.hosts.length, before, 'the Location was not requested');
  });
});
