/**
 * The API's error catalogue. Codes and HTTP statuses are part of the wire contract (docs/api.md "Errors"):
 * clients branch on `code`, so a code never changes meaning.
 */
export const ErrorCode = {
  InputError: 4,
  ApiKeyInvalid: 2,
  AuthFailed: 5,
  TokenExpired: 40,
  TokenSignatureInvalid: 43,
  NotAllowed: 17,
  DoesNotExist: 16,
  TooManyRequests: 9,
  Internal: -1,
  /** The server gave up on the request's work (e.g. a database statement ran past its timeout). */
  RequestTimeout: 23,
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export const HttpStatusByErrorCode: Record<ErrorCode, number> = {
  [ErrorCode.InputError]: 400,
  [ErrorCode.ApiKeyInvalid]: 401,
  [ErrorCode.AuthFailed]: 401,
  [ErrorCode.TokenExpired]: 401,
  [ErrorCode.TokenSignatureInvalid]: 401,
  [ErrorCode.NotAllowed]: 403,
  [ErrorCode.DoesNotExist]: 404,
  [ErrorCode.TooManyRequests]: 429,
  [ErrorCode.Internal]: 500,
  // 503, not 408: the client sent its request in time; the server refused to finish it (retry later or narrow it),
  // and clients and proxies must not resend a 408's request automatically.
  [ErrorCode.RequestTimeout]: 503,
};

/** The error body every failed request answers with. */
export interface APIErrorBody {
  code: ErrorCode;
  message: string;
  StatusCode: number;
  duration: string;
  more_info: string;
  details: number[];
  exception_fields?: Record<string, string>;
  unrecoverable?: boolean;
}

/**
 * WebSocket close codes. 1000 means "auth rejected, do not reconnect" (docs/api.md "Realtime connection");
 * 4000-range codes are transient and clients reconnect after them.
 */
export const CloseCode = {
  AuthRejected: 1000,
  SendQueueFull: 4008,
  HealthCheckTimeout: 4009,
  ServerShutdown: 4010,
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];
