/**
 * Webhook signatures: Switchboard signs each webhook body with the app secret (`X-Signature`, hex HMAC-SHA256 of
 * the exact raw body). Verification uses WebCrypto's HMAC verify, which compares in constant time, so it runs in
 * Node 20+, browsers, Deno and Bun alike.
 */

const encoder = new TextEncoder();

function hexToBytes(hex: string): Uint8Array<ArrayBuffer> | undefined {
  if (!/^(?:[0-9a-fA-F]{2})+$/.test(hex)) return undefined;
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}

/**
 * True when `signature` (the `X-Signature` header) is the HMAC-SHA256 of `rawBody` with `secret`. Pass the body
 * exactly as received (string or bytes), before any JSON parsing: re-serialised JSON does not match.
 */
export async function verifyWebhookSignature(
  secret: string,
  rawBody: string | Uint8Array,
  signature: string | null | undefined,
): Promise<boolean> {
  const expected = typeof signature === 'string' ? hexToBytes(signature.trim()) : undefined;
  if (!expected || expected.length !== 32) return false;
  const key = await crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [
    'verify',
  ]);
  // A copy typed as plain ArrayBuffer-backed bytes, which WebCrypto's signature requires.
  const bytes = typeof rawBody === 'string' ? encoder.encode(rawBody) : rawBody;
  const body = new Uint8Array(new ArrayBuffer(bytes.byteLength));
  body.set(bytes);
  return crypto.subtle.verify('HMAC', key, expected, body);
}
