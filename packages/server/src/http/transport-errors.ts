/**
 * Requests refused before any route runs still answer in the API error shape (code 4, naming what was wrong):
 * - a path with malformed percent-encoding (`/in1%ZZ`): 400;
 * - a path parameter longer than the router's limit: 414 URI Too Long (the status says what happened; the code
 *   says it is the client's input);
 * - request headers over Node's limit (16 KB): 431 Request Header Fields Too Large, written straight to the
 *   socket, since Node refuses such a request before it becomes one; other malformed HTTP: 400.
 * Clients branch on `code`; the HTTP statuses stay the standard ones proxies and tools understand.
 */
import type { Socket } from 'node:net';
import { ErrorCode } from '@switchboard/protocol';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../domain/errors.js';
import { errorBody } from './error-mapper.js';
import { serializeReply } from './json-reply.js';

const NO_TIME = '0.00ms';

function pathOnly(url: string): string {
  return url.split('?')[0] ?? url;
}

/** fastify's `frameworkErrors`: routing failures (bad URL encoding, over-long parameters). */
export function routingError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const path = pathOnly(request.url);
  let apiError: ApiError;
  if (error.code === 'FST_ERR_BAD_URL') {
    apiError = new ApiError(ErrorCode.InputError, `path ${path} is not valid percent-encoding`, {
      path: 'is not valid percent-encoding',
    });
  } else if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    apiError = new ApiError(
      ErrorCode.InputError,
      'a path parameter is longer than allowed',
      { path: 'a path parameter is longer than allowed' },
      414,
    );
  } else {
    apiError = new ApiError(ErrorCode.InputError, error.message, { path: error.message });
  }
  void reply.status(apiError.status).send(errorBody(apiError, 'Request', NO_TIME));
}

/** The node server's `clientError`: the request could not even be parsed as HTTP. */
export function clientError(err: Error & { code?: string }, socket: Socket): void {
  // A reset connection has nobody left to answer (https://nodejs.org/api/http.html#event-clienterror).
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  let apiError: ApiError;
  if (err.code === 'HPE_HEADER_OVERFLOW') {
    apiError = new ApiError(
      ErrorCode.InputError,
      'request headers are larger than allowed',
      { headers: 'are larger than allowed' },
      431,
    );
  } else if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    apiError = new ApiError(ErrorCode.InputError, 'request took too long to arrive', { request: 'timed out' }, 408);
  } else {
    apiError = new ApiError(ErrorCode.InputError, 'malformed HTTP request', { request: 'malformed HTTP' });
  }
  if (socket.writable) {
    const body = serializeReply(errorBody(apiError, 'Request', NO_TIME));
    const reason =
      apiError.status === 431
        ? 'Request Header Fields Too Large'
        : apiError.status === 408
          ? 'Request Timeout'
          : 'Bad Request';
    socket.write(
      `HTTP/1.1 ${apiError.status} ${reason}\r\nConnection: close\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `Content-Type: application/json; charset=utf-8\r\n\r\n${body}`,
    );
  }
  socket.destroy(err);
}
