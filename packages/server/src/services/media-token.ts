/**
 * The participant token JoinCall hands to the media layer: it admits one participation (`user_session_id`) of one
 * user to one call's media, and nothing else. It is signed with a key derived from the app secret, so it cannot be
 * used as a REST token and a REST token cannot be used here; it expires within minutes because it only has to get
 * the client from JoinCall to the SFU's `join` (the SFU still asks the coordinator at join: see media-admission.ts).
 */
import { createHmac } from 'node:crypto';
import { errors, jwtVerify, SignJWT } from 'jose';

const AUDIENCE = 'switchboard-sfu';
/** Long enough for a slow client to get from JoinCall's answer to the SFU, short enough to be useless when leaked. */
export const MEDIA_TOKEN_TTL_SECONDS = 300;

export interface MediaClaims {
  cid: string;
  userId: string;
  userSessionId: string;
}

export type MediaTokenCheck = { ok: true; claims: MediaClaims } | { ok: false; expired: boolean; reason: string };

function mediaKey(apiSecret: string): Uint8Array {
  return createHmac('sha256', apiSecret).update('switchboard media participant token v1').digest();
}

export async function mintMediaToken(apiSecret: string, claims: MediaClaims, nowSeconds: number): Promise<string> {
  return new SignJWT({ cid: claims.cid, usid: claims.userSessionId })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(claims.userId)
    .setAudience(AUDIENCE)
    .setIssuedAt(nowSeconds)
    .setExpirationTime(nowSeconds + MEDIA_TOKEN_TTL_SECONDS)
    .sign(mediaKey(apiSecret));
}

export async function verifyMediaToken(apiSecret: string, token: string, now: Date): Promise<MediaTokenCheck> {
  try {
    const { payload } = await jwtVerify(token, mediaKey(apiSecret), {
      audience: AUDIENCE,
      algorithms: ['HS256'],
      currentDate: now,
      requiredClaims: ['exp', 'sub'],
    });
    const { cid, usid, sub } = payload;
    if (typeof cid !== 'string' || typeof usid !== 'string' || typeof sub !== 'string') {
      return { ok: false, expired: false, reason: 'token lacks its call, session or user' };
    }
    return { ok: true, claims: { cid, userId: sub, userSessionId: usid } };
  } catch (err) {
    if (err instanceof errors.JWTExpired) return { ok: false, expired: true, reason: 'token expired' };
    return { ok: false, expired: false, reason: 'token is not a valid media participant token' };
  }
}
