/**
 * User tokens for the demo page (`/demo`), which lets a visitor pick any user id. Only ever enabled on a
 * development node (SWITCHBOARD_DEMO_TOKENS, see docs/media.md "Demo page"): anyone who can reach the page can act as any
 * user, so a real deployment mints user tokens on its own backend instead.
 */
import { ErrorCode } from '@switchboard/protocol';
import { SignJWT } from 'jose';
import { ApiError } from '../domain/errors.js';
import type { ServiceContext } from './context.js';

/** Demo tokens expire: a tab left open does not hold a credential forever. */
export const DEMO_TOKEN_TTL_SECONDS = 3600;

/** Demo tokens one client IP may mint per minute: the page needs one per join, a script needs no more. */
export const DEMO_TOKENS_PER_MINUTE = 30;

/** Whether this node mints, and why (decided by the composition root from SWITCHBOARD_DEMO_TOKENS). */
export interface DemoTokenSwitch {
  enabled: boolean;
  reason: string;
}

export async function mintDemoUserToken(
  ctx: ServiceContext,
  demoTokens: DemoTokenSwitch,
  userId: string,
): Promise<{ token: string; api_key: string; user_id: string; expires_at: string }> {
  if (!demoTokens.enabled)
    throw new ApiError(ErrorCode.NotAllowed, `demo tokens are off on this node: ${demoTokens.reason}`);
  const now = Math.floor(ctx.clock.now().getTime() / 1000);
  const token = await new SignJWT({ user_id: userId })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt(now)
    .setExpirationTime(now + DEMO_TOKEN_TTL_SECONDS)
    .sign(new TextEncoder().encode(ctx.config.apiSecret));
  return {
    token,
    api_key: ctx.config.apiKey,
    user_id: userId,
    expires_at: new Date((now + DEMO_TOKEN_TTL_SECONDS) * 1000).toISOString(),
  };
}
