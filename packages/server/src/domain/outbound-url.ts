/**
 * The check a URL that the node will later POST to gets when it is saved (a webhook, a push service, a Web Push
 * subscription): a code 4 naming the field now for what is visibly wrong. Host names are not resolved here (the
 * name may not resolve yet, and a lookup per registration is a cost a client controls); the connect-time guard
 * (delivery/outbound/) resolves, checks every address and connects only to a checked one.
 */
import { inputError } from './errors.js';
import { type AddressPolicy, addressLiteral, isLoopbackName } from './network-address.js';

export interface OutboundUrlRules {
  /** Web Push endpoints: https only, except to an allow-listed address (the tests' local fakes). */
  requireHttps: boolean;
}

/** The normalised URL, or an input error naming `field`. */
export function checkOutboundUrl(value: string, field: string, policy: AddressPolicy, rules: OutboundUrlRules): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw inputError(
      `${field} must be an absolute http or https URL, got ${JSON.stringify(value.slice(0, 200))}`,
      field,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw inputError(`${field} must use http or https, not ${url.protocol.replace(':', '')}`, field);
  }
  if (url.username || url.password) throw inputError(`${field} must not carry credentials`, field);
  const literal = addressLiteral(url.hostname);
  // A loopback name is judged as the addresses it always means.
  const addresses = literal ? [literal] : isLoopbackName(url.hostname) ? ['127.0.0.1', '::1'] : [];
  if (addresses.length > 0 && addresses.every((a) => policy.refusal(a) !== undefined)) {
    throw inputError(`${field} is refused: ${policy.refusal(addresses[0] as string)}`, field);
  }
  const allowListed = addresses.some((a) => policy.allowListed(a));
  if (rules.requireHttps && url.protocol !== 'https:' && !allowListed) {
    throw inputError(`${field} must be an https URL`, field);
  }
  return url.toString();
}
