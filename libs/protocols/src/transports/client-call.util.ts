import { catchError, throwError, timeout, type Observable } from 'rxjs';
import { ProtocolError } from '../errors/protocol.error';
import { fromErrorObject } from '../errors/to-protocol-error.util';
import { tlsFailureMessage } from '../tls/tls-failure.util';
import { timerDelay } from '../utils/deadline.util';

/** Failures where the request surely never reached a handler: always safe to retry. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);
/** Failures of a connection that may have carried the request. */
const BROKEN_CODES = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT']);

/** Details of an UNAVAILABLE error raised before anything was written. */
export const NOT_SENT_DETAILS = { isRequestSent: false } as const;

/** True when `error` proves the request was never sent (a retry cannot run it twice). */
export function isNotSentError(error: unknown): boolean {
  return error instanceof ProtocolError && (error.details as { isRequestSent?: boolean } | undefined)?.isRequestSent === false;
}

/** Maps what a transport client reports to a ProtocolError the caller can branch on. */
export function toClientError(error: unknown): ProtocolError {
  if (error instanceof ProtocolError) return error;
  // A failed TLS handshake: the server read no request.
  const tlsFailure = tlsFailureMessage(error);
  if (tlsFailure !== undefined) return ProtocolError.unavailable(tlsFailure, NOT_SENT_DETAILS);
  const code = (error as { code?: unknown })?.code;
  if (typeof code === 'string' && NOT_SENT_CODES.has(code)) {
    return ProtocolError.unavailable(`connection failed: ${code}`, NOT_SENT_DETAILS);
  }
  if (typeof code === 'string' && BROKEN_CODES.has(code)) {
    return ProtocolError.unavailable(`connection failed: ${code}`);
  }
  if (error instanceof Error && /connection closed|not connected/i.test(error.message)) {
    return ProtocolError.unavailable(error.message);
  }
  return fromErrorObject(error);
}

/** Ends a call at its deadline with DEADLINE_EXCEEDED and normalizes its errors. */
export function withDeadline<T>(source: Observable<T>, deadline: number, pattern: string): Observable<T> {
  const remaining = timerDelay(deadline);
  return source.pipe(
    timeout({
      first: remaining,
      with: () => throwError(() => ProtocolError.deadlineExceeded(`'${pattern}' got no reply within ${remaining} ms`)),
    }),
    catchError((error: unknown) => throwError(() => toClientError(error))),
  );
}
