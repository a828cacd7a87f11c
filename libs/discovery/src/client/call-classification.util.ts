import { isNotSentError, ProtocolError, toClientError, type StatusCode } from '@orion/protocols';
import type { CallErrorKind } from '../balancing/load-balancing-strategy.interface';
import type { AttemptEnd } from './service-balancer';

/** The details of a call that was never sent (retry-safe, never charged to an instance). */
const NOT_SENT = Object.freeze({ isRequestSent: false });

/** Answers that prove the instance is healthy: the caller's problem, not the instance's. */
const APPLICATION_CODES: ReadonlySet<StatusCode> = new Set<StatusCode>([
  'INVALID_ARGUMENT',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'PERMISSION_DENIED',
  'FAILED_PRECONDITION',
  'OUT_OF_RANGE',
  'UNAUTHENTICATED',
  'UNIMPLEMENTED',
]);

/**
 * Failures an idempotent call may repeat elsewhere. NOTE: CANCELLED is here, not an
 * application answer: the caller's own cancellation never reaches this point (it unsubscribes
 * the attempt), so a CANCELLED that comes back is the instance's doing, e.g. a gRPC server
 * that shuts down with the call still running.
 */
const IDEMPOTENT_RETRY_CODES: ReadonlySet<StatusCode> = new Set<StatusCode>([
  'CANCELLED',
  'UNAVAILABLE',
  'INTERNAL',
  'UNKNOWN',
  'ABORTED',
  'RESOURCE_EXHAUSTED',
  'DEADLINE_EXCEEDED',
]);

/** The instance answered (an application error): counts as a success for health. */
export function isApplicationError(error: ProtocolError): boolean {
  return APPLICATION_CODES.has(error.code);
}

/**
 * Whether a failed attempt may be retried on another instance: always when the request
 * was never sent; for idempotent calls, any infrastructure failure.
 */
export function isRetryable(error: ProtocolError, isIdempotent: boolean): boolean {
  if (isNotSentError(error)) return true;
  return isIdempotent && IDEMPOTENT_RETRY_CODES.has(error.code);
}

/** How a failure is reported to latency-aware strategies. */
export function errorKind(error: ProtocolError): CallErrorKind {
  if (error.code === 'DEADLINE_EXCEEDED') return 'timeout';
  return error.code === 'UNAVAILABLE' ? 'unavailable' : 'other';
}

/** Encoders fail with engine errors (stack overflow on deep nesting, BigInt, cycles); the network never does. */
function isEncodingError(raw: unknown): raw is Error {
  return raw instanceof RangeError || (raw instanceof TypeError && /BigInt|circular/i.test(raw.message));
}

export function cancelledError(what: string): ProtocolError {
  return new ProtocolError('CANCELLED', `'${what}' was cancelled by its caller`, NOT_SENT);
}

/** The caller-facing error of an attempt; a request that cannot be encoded is the caller's bug. */
export function attemptError(raw: unknown, what: string): ProtocolError {
  if (isEncodingError(raw)) return ProtocolError.invalidArgument(`'${what}' could not be encoded: ${raw.message}`, NOT_SENT);
  return toClientError(raw);
}

/** How an attempt that failed with `error` is booked; `isCutByCaller`: its timeout was the inbound deadline. */
export function endOf(error: ProtocolError, isCutByCaller: boolean): AttemptEnd {
  if (isApplicationError(error)) return isNotSentError(error) ? 'caller' : 'served';
  if (error.code === 'DEADLINE_EXCEEDED' && isCutByCaller) return 'caller';
  return 'failed';
}
