/**
 * Which IP addresses an outbound request (a webhook, a push service, a user's Web Push endpoint) may reach: the
 * public internet only, unless the operator allow-lists private ranges. A URL a client or an operator typed must
 * not turn the node into a proxy for the networks behind it (cloud metadata at 169.254.169.254, a Redis on
 * 10.0.0.1, services on loopback).
 *
 * Pure: classifies address strings; resolving names and connecting are the caller's (delivery/outbound/).
 */
import { BlockList, isIP } from 'node:net';

export type AddressKind =
  | 'public'
  | 'unspecified'
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'unique-local'
  | 'ipv4-mapped'
  | 'ipv4-embedded'
  | 'multicast'
  | 'reserved';

type Range = readonly [kind: Exclude<AddressKind, 'public'>, network: string, prefix: number];

const IPV4_RANGES: readonly Range[] = [
  ['unspecified', '0.0.0.0', 8], // "this network": 0.0.0.0 reaches the local host on Linux
  ['private', '10.0.0.0', 8],
  ['private', '100.64.0.0', 10], // carrier-grade NAT (shared address space)
  ['loopback', '127.0.0.0', 8],
  ['link-local', '169.254.0.0', 16], // cloud metadata services live here
  ['private', '172.16.0.0', 12],
  ['reserved', '192.0.0.0', 24],
  ['reserved', '192.0.2.0', 24],
  ['reserved', '192.88.99.0', 24],
  ['private', '192.168.0.0', 16],
  ['reserved', '198.18.0.0', 15],
  ['reserved', '198.51.100.0', 24],
  ['reserved', '203.0.113.0', 24],
  ['multicast', '224.0.0.0', 4],
  ['reserved', '240.0.0.0', 4], // includes 255.255.255.255
];

// Order matters: the first range that holds the address names its kind (`::1` before `::/96`).
const IPV6_RANGES: readonly Range[] = [
  ['unspecified', '::', 128],
  ['loopback', '::1', 128],
  ['ipv4-mapped', '::ffff:0:0', 96],
  ['ipv4-embedded', '::', 96], // deprecated IPv4-compatible addresses
  ['ipv4-embedded', '64:ff9b::', 96], // NAT64: reaches whatever IPv4 address it embeds
  ['ipv4-embedded', '64:ff9b:1::', 48],
  ['ipv4-embedded', '2002::', 16], // 6to4
  ['ipv4-embedded', '2001::', 32], // Teredo
  ['reserved', '100::', 64], // discard-only
  ['reserved', '2001:db8::', 32], // documentation
  ['unique-local', 'fc00::', 7],
  ['link-local', 'fe80::', 10],
  ['private', 'fec0::', 10], // deprecated site-local
  ['multicast', 'ff00::', 8],
];

/**
 * One BlockList per range and family: Node matches an IPv4 address against IPv6 rules as if it were mapped
 * (`::ffff:0:0/96` would hold 8.8.8.8), so each address is only checked against rules of its own family.
 */
function compile(ranges: readonly Range[], family: 'ipv4' | 'ipv6') {
  return ranges.map(([kind, network, prefix]) => {
    const list = new BlockList();
    list.addSubnet(network, prefix, family);
    return { kind, list };
  });
}
const V4 = compile(IPV4_RANGES, 'ipv4');
const V6 = compile(IPV6_RANGES, 'ipv6');

/** What kind of address `ip` is (an IPv4 or IPv6 literal without brackets); throws on anything else. */
export function classifyAddress(ip: string): AddressKind {
  const family = isIP(ip);
  if (family === 0) throw new Error(`not an IP address: ${ip}`);
  const ranges = family === 4 ? V4 : V6;
  const type = family === 4 ? 'ipv4' : 'ipv6';
  for (const { kind, list } of ranges) if (list.check(ip, type)) return kind;
  return 'public';
}

/** The address literal a URL host names (`[::1]` → `::1`), or undefined when the host is a name. */
export function addressLiteral(hostname: string): string | undefined {
  const bare = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  return isIP(bare) === 0 ? undefined : bare;
}

/** Names that resolve to loopback by definition (RFC 6761), whatever a resolver says. */
export function isLoopbackName(hostname: string): boolean {
  const name = hostname.toLowerCase().replace(/\.$/, '');
  return name === 'localhost' || name.endsWith('.localhost');
}

/**
 * Public addresses, plus the ranges an operator allow-listed (`10.0.0.0/8`, `127.0.0.1`, `::1`): the tests' local
 * fakes and receivers on a private network. Two policies exist: one for URLs the operator configured, one for Web
 * Push endpoints that any user registers (empty unless the operator really wants users to reach a private range).
 */
export class AddressPolicy {
  private readonly allowed4 = new BlockList();
  private readonly allowed6 = new BlockList();

  constructor(
    /** The allow-list as configured, in CIDR or single-address form. */
    readonly allowList: readonly string[] = [],
    /** The setting that holds the allow-list, named in refusals so an operator knows where to look. */
    readonly settingName = 'the outbound allow-list',
  ) {
    for (const entry of allowList) {
      const { address, prefix, family } = parseCidr(entry);
      if (family === 4) this.allowed4.addSubnet(address, prefix, 'ipv4');
      else this.allowed6.addSubnet(address, prefix, 'ipv6');
    }
  }

  /** Undefined when `ip` may be reached, else why not (for the error and the log). */
  refusal(ip: string): string | undefined {
    const kind = classifyAddress(ip);
    if (kind === 'public' || this.allowListed(ip)) return undefined;
    return `${ip} is a ${kind} address (not on ${this.settingName})`;
  }

  /** Whether the operator allow-listed `ip` (such targets may also use plain http). */
  allowListed(ip: string): boolean {
    return isIP(ip) === 4 ? this.allowed4.check(ip, 'ipv4') : this.allowed6.check(ip, 'ipv6');
  }
}

/** `a.b.c.d`, `a.b.c.d/n`, an IPv6 address or `x::/n`; throws a message naming the entry otherwise. */
export function parseCidr(entry: string): { address: string; prefix: number; family: 4 | 6 } {
  const [address = '', prefixText, extra] = entry.trim().split('/');
  const family = isIP(address);
  if (family === 0 || extra !== undefined) throw new Error(`"${entry}" is not an IP address or CIDR range`);
  const max = family === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (!/^\d{1,3}$/.test(prefixText ?? String(max)) || prefix > max) {
    throw new Error(`"${entry}": the prefix length must be 0-${max}`);
  }
  return { address, prefix, family: family === 4 ? 4 : 6 };
}

/** The two policies of a node: URLs the operator configured, and Web Push endpoints users registered. */
export interface OutboundPolicies {
  operator: AddressPolicy;
  webPush: AddressPolicy;
}

export const OPERATOR_ALLOW_SETTING = 'SWITCHBOARD_OUTBOUND_ALLOW_PRIVATE';
export const WEB_PUSH_ALLOW_SETTING = 'SWITCHBOARD_WEB_PUSH_ALLOW_PRIVATE';

export function outboundPolicies(operatorAllow: readonly string[], webPushAllow: readonly string[]): OutboundPolicies {
  return {
    operator: new AddressPolicy(operatorAllow, OPERATOR_ALLOW_SETTING),
    webPush: new AddressPolicy(webPushAllow, WEB_PUSH_ALLOW_SETTING),
  };
}
