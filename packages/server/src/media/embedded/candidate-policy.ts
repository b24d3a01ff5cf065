/**
 * Which remote ICE candidates the SFU may send connectivity checks to. werift probes every candidate a client lists
 * (STUN, ~200 packets/s per connection), so a client's candidate list is a list of targets the node will hit: an
 * address it names must be one a client can really have. Never probed: link-local, unspecified, multicast,
 * broadcast and reserved addresses, and host names (an mDNS name would make the node query the local network for a
 * name the client chose). Loopback and private addresses are probed only when the operator's scope includes them.
 *
 * Refusing a candidate costs the client nothing when it can reach the SFU: its own checks to the SFU's candidates
 * arrive anyway, and werift learns the client's address from them (a peer-reflexive candidate).
 */
import { BlockList, isIPv4, isIPv6 } from 'node:net';

/** The widest addresses a candidate may name: `public` only, also `private` networks, or also `loopback`. */
export type CandidateScope = 'public' | 'private' | 'loopback';
/** `auto`: `loopback` when the node listens on a loopback address (one machine: tests, development), else `public`. */
export type CandidateScopeSetting = CandidateScope | 'auto';

type AddressClass = 'public' | 'private' | 'loopback' | 'never';

const NEVER_V4 = blockList('ipv4', [
  ['0.0.0.0', 8], // "this network", unspecified
  ['169.254.0.0', 16], // link-local (cloud metadata services live here)
  ['192.0.0.0', 24], // IETF protocol assignments
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
]);
const LOOPBACK_V4 = blockList('ipv4', [['127.0.0.0', 8]]);
const PRIVATE_V4 = blockList('ipv4', [
  ['10.0.0.0', 8],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
  ['100.64.0.0', 10], // carrier-grade NAT: private to the provider's network
  ['198.18.0.0', 15], // benchmarking networks
]);
const NEVER_V6 = blockList('ipv6', [
  ['::', 128], // unspecified
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
]);
const LOOPBACK_V6 = blockList('ipv6', [['::1', 128]]);
const PRIVATE_V6 = blockList('ipv6', [['fc00::', 7]]); // unique-local

function blockList(family: 'ipv4' | 'ipv6', subnets: [string, number][]): BlockList {
  const list = new BlockList();
  for (const [net, prefix] of subnets) list.addSubnet(net, prefix, family);
  return list;
}

/** IPv6 forms that carry an IPv4 address (mapped `::ffff:a.b.c.d`, compatible `::a.b.c.d`, NAT64 `64:ff9b::/96`). */
function embeddedIPv4(address: string): string | undefined {
  const m = /^(?:::ffff:|::|64:ff9b::)((?:\d{1,3}\.){3}\d{1,3}|[0-9a-f]{1,4}:[0-9a-f]{1,4})$/i.exec(address);
  if (!m?.[1]) return undefined;
  const tail = m[1];
  if (tail.includes('.')) return tail;
  const [hi = '0', lo = '0'] = tail.split(':');
  const h = Number.parseInt(hi, 16);
  const l = Number.parseInt(lo, 16);
  return `${h >> 8}.${h & 255}.${l >> 8}.${l & 255}`;
}

export function classifyAddress(address: string): AddressClass {
  if (isIPv4(address)) {
    if (NEVER_V4.check(address, 'ipv4')) return 'never';
    if (LOOPBACK_V4.check(address, 'ipv4')) return 'loopback';
    if (PRIVATE_V4.check(address, 'ipv4')) return 'private';
    return 'public';
  }
  if (isIPv6(address)) {
    const v4 = embeddedIPv4(address);
    if (v4 !== undefined && isIPv4(v4)) return classifyAddress(v4);
    if (NEVER_V6.check(address, 'ipv6')) return 'never';
    if (LOOPBACK_V6.check(address, 'ipv6')) return 'loopback';
    if (PRIVATE_V6.check(address, 'ipv6')) return 'private';
    return 'public';
  }
  return 'never'; // a host name (mDNS `.local` or any other): not an address the SFU resolves for a client
}

const WIDTH: Record<AddressClass, number> = { public: 0, private: 1, loopback: 2, never: 3 };

/** Whether the SFU may probe `address` (and `port`) under `scope`. */
export function candidateAllowed(address: string, port: number, scope: CandidateScope): boolean {
  if (!Number.isInteger(port) || port < 1 || port > 65_535) return false;
  return WIDTH[classifyAddress(address)] <= WIDTH[scope];
}

/** Resolves `auto` against the address the node listens on. */
export function candidateScope(setting: CandidateScopeSetting, listenHost: string): CandidateScope {
  if (setting !== 'auto') return setting;
  const host = listenHost.replace(/^\[|\]$/g, '');
  return host === 'localhost' || classifyAddress(host) === 'loopback' ? 'loopback' : 'public';
}
