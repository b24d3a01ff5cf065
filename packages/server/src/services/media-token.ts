/**
 * The participant token JoinCall hands to the media layer. It admits one participation (`user_session_id`) of one
 * user to one call's media. It is signed with the app secret and carries `user_id` and `call_cids: [cid]`, so, as
 * before media existed, it also works as a user token restricted to that call; the SFU takes only tokens with its
 * audience and a participation (a plain user token is refused there). It expires within minutes because it only
 * has to get the client from JoinCall to the SFU's `join`; the SFU still asks the coordinator at join
 * (media-admission.ts), so a token minted before a call ended or a user was blocked admits nobody.
 */
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
  return new TextEncoder().encode(apiSecret);
}

export async function mintMediaToken(apiSecret: string, claims: MediaClaims, nowSeconds: number): Promise<string> {
  return new SignJWT({ user_id: claims.userId, call_cids: [claims.cid], usid: claims.userSessionId })
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
    const { call_cids: cids, usid, sub } = payload;
    const cid = Array.isArray(cids) && cids.length === 1 ? cids[0] : undefined;
    if (typeof cid !== 'string' || typeof usid !== 'string' || typeof sub !== 'string' || payload.user_id !== sub) {
      return { ok: false, expired: false, reason: 'token lacks its call, participation or user' };
    }
    return { ok: true, claims: { cid, userId: sub, userSessionId: usid } };
  } catch (err) {
    if (err instanceof errors.JWTExpired) return { ok: false, expired: true, reason: 'token expired' };
    return { ok: false, expired: false, reason: 'token is not a valid media participant token' };
  }
}
