/**
 * Access logs: one line per answered request (method, path, status, duration, request id, user id), at the pino
 * level `SWITCHBOARD_ACCESS_LOG` names, or none when it is `off` (the default: `/metrics` covers traffic). The path
 * is logged without its query string, which carries `api_key` and, from browsers, tokens. The line goes out only when
 * `LOG_LEVEL` lets that level through.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';

export const ACCESS_LOG_LEVELS = ['off', 'fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;
export type AccessLogLevel = (typeof ACCESS_LOG_LEVELS)[number];

export type AccessLog = (request: FastifyRequest, reply: FastifyReply, startedAt: number) => void;

/** The logger of one line per request, or undefined when access logs are off (then nothing is added per request). */
export function accessLog(logger: Logger, level: AccessLogLevel): AccessLog | undefined {
  if (level === 'off') return undefined;
  return (request, reply, startedAt) => {
    if (!logger.isLevelEnabled(level)) return;
    const actor = request.actor;
    const query = request.url.indexOf('?');
    logger[level](
      {
        method: request.method,
        path: query === -1 ? request.url : request.url.slice(0, query),
        status: reply.statusCode,
        duration_ms: Math.round((performance.now() - startedAt) * 100) / 100,
        request_id: request.id,
        ...(actor?.kind === 'user' ? { user_id: actor.userId } : {}),
        ...(actor?.kind === 'server' ? { server: true } : {}),
      },
      'request',
    );
  };
}
