import { catchError, throwError, timeout, type Observable } from 'rxjs';
import { ProtocolError } from '../errors/protocol.error';
import { fromErrorObject } from '../errors/to-protocol-error.util';

const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ETIMEDOUT']);

/** Maps what a transport client reports to a ProtocolError the caller can branch on. */
export function toClientError(error: unknown): ProtocolError {
  if (error instanceof ProtocolError) return error;
  const code = (error as { code?: unknown })?.code;
  if (typeof code === 'string' && UNAVAILABLE_CODES.has(code)) {
    return ProtocolError.unavailable(`connection failed: ${code}`);
  }
  if (error instanceof Error && /connection closed|not connected/i.test(error.message)) {
    return ProtocolError.unavailable(error.message);
  }
  return fromErrorObject(error);
}

/** Ends a call at its deadline with DEADLINE_EXCEEDED and normalizes its errors. */
export function withDeadline<T>(source: Observable<T>, deadline: number, pattern: string): Observable<T> {
  const remaining = Math.max(0, deadline - Date.now());
  return source.pipe(
    timeout({
      first: remaining,
      with: () => throwError(() => ProtocolError.deadlineExceeded(`'${pattern}' got no reply within ${remaining} ms`)),
    }),
    catchError((error: unknown) => throwError(() => toClientError(error))),
  );
}
