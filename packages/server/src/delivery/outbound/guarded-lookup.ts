/**
 * The DNS step of every outbound connection: resolve the name, keep only the addresses the policy allows, and hand
 * exactly those to the socket. The socket connects to an address that was checked, never to a second answer of
 * the same name, so a name that resolves to a public address for a check and to 127.0.0.1 for the connect (DNS
 * rebinding) cannot slip through.
 */
import dns, { type LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import type { AddressPolicy } from '../../domain/network-address.js';

/** Resolves a name to all its addresses (dns.lookup with `all: true`); tests pass their own. */
export type Resolver = (hostname: string, family: number) => Promise<LookupAddress[]>;

export const systemResolver: Resolver = (hostname, family) =>
  dns.promises.lookup(hostname, { all: true, family, verbatim: true });

/** A connect that the policy refused: not retried as if the network had failed, and named in the log. */
export class OutboundRefused extends Error {
  override readonly name = 'OutboundRefused';
  readonly code = 'ERR_OUTBOUND_REFUSED';
}

export function guardedLookup(policy: AddressPolicy, resolve: Resolver = systemResolver): LookupFunction {
  return (hostname, options, callback) => {
    const family = typeof options.family === 'number' ? options.family : 0;
    resolve(hostname, family).then(
      (addresses) => {
        const allowed = addresses.filter((a) => policy.refusal(a.address) === undefined);
        const first = allowed[0];
        if (!first) {
          const why = addresses[0] ? policy.refusal(addresses[0].address) : 'no address';
          callback(new OutboundRefused(`refused to connect to ${hostname}: ${why}`), '', 0);
          return;
        }
        if (options.all) (callback as (err: null, addresses: LookupAddress[]) => void)(null, allowed);
        else callback(null, first.address, first.family);
      },
      (err: NodeJS.ErrnoException) => callback(err, '', 0),
    );
  };
}
