/**
 * gRPC's canonical status codes: the one error vocabulary of every protocol.
 *
 * @publicApi
 */
export const STATUS_CODES = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;

/** @publicApi */
export type StatusCode = Exclude<keyof typeof STATUS_CODES, 'OK'>;

/** HTTP status for each code (as in google.rpc / grpc-gateway). */
export const HTTP_STATUS_BY_CODE: Record<StatusCode, number> = {
  CANCELLED: 499,
  UNKNOWN: 500,
  INVALID_ARGUMENT: 400,
  DEADLINE_EXCEEDED: 504,
  NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  PERMISSION_DENIED: 403,
  RESOURCE_EXHAUSTED: 429,
  FAILED_PRECONDITION: 400,
  ABORTED: 409,
  OUT_OF_RANGE: 400,
  UNIMPLEMENTED: 501,
  INTERNAL: 500,
  UNAVAILABLE: 503,
  DATA_LOSS: 500,
  UNAUTHENTICATED: 401,
};

const CODE_BY_NUMBER = new Map<number, StatusCode>(
  Object.entries(STATUS_CODES)
    .filter(([name]) => name !== 'OK')
    .map(([name, value]) => [value, name as StatusCode]),
);

/** The code for a gRPC numeric status, or undefined. */
export function statusCodeFromNumber(value: number): StatusCode | undefined {
  return CODE_BY_NUMBER.get(value);
}

/** True when `value` names a canonical code. */
export function isStatusCode(value: unknown): value is StatusCode {
  return typeof value === 'string' && value !== 'OK' && value in STATUS_CODES;
}

/** Maps an HTTP status to the closest canonical code. */
export function statusCodeFromHttp(status: number): StatusCode {
  switch (status) {
    case 400:
    case 415:
    case 422:
      return 'INVALID_ARGUMENT';
    case 401:
      return 'UNAUTHENTICATED';
    case 403:
      return 'PERMISSION_DENIED';
    case 404:
      return 'NOT_FOUND';
    case 408:
    case 504:
      return 'DEADLINE_EXCEEDED';
    case 409:
      return 'ALREADY_EXISTS';
    case 412:
      return 'FAILED_PRECONDITION';
    case 413:
    case 429:
      return 'RESOURCE_EXHAUSTED';
    case 499:
      return 'CANCELLED';
    case 501:
      return 'UNIMPLEMENTED';
    case 502:
    case 503:
      return 'UNAVAILABLE';
    default:
      return status >= 500 ? 'INTERNAL' : 'FAILED_PRECONDITION';
  }
}
