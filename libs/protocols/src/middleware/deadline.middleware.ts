import { Injectable } from '@nestjs/common';
import { throwError, timeout, type Observable } from 'rxjs';
import { ProtocolError } from '../errors/protocol.error';
import type { MiddlewareNext, ProtocolMiddleware } from '../interfaces/protocol-middleware.interface';
import type { ProtocolMessage } from '../interfaces/protocol-message.interface';
import { DEFAULT_MAX_DEADLINE_MS, clampDeadline, isValidMaxDeadline } from '../utils/deadline.util';

/**
 * Refuses a message whose deadline has passed with DEADLINE_EXCEEDED before the handler
 * runs, and ends a handler that outlives the deadline (the caller stopped waiting).
 * A deadline further than `maxDeadlineMs` from arrival is first cut to it: a caller may ask
 * for less time, never for a timer that overflows and fires at once.
 *
 * @publicApi
 */
@Injectable()
export class DeadlineMiddleware implements ProtocolMiddleware {
  /** Longest budget granted from arrival (ms). */
  readonly maxDeadlineMs: number;

  constructor(maxDeadlineMs: number = DEFAULT_MAX_DEADLINE_MS) {
    if (!isValidMaxDeadline(maxDeadlineMs)) {
      throw new RangeError(
        `ProtocolsModule: maxDeadlineMs must be a whole number of ms from 1 to 2147483647, not ${String(maxDeadlineMs)}`,
      );
    }
    this.maxDeadlineMs = maxDeadlineMs;
  }

  use(message: ProtocolMessage, next: MiddlewareNext): Observable<unknown> {
    if (message.deadline === undefined) return next();
    // Clamped on the message itself, so clients called by the handler forward the clamped budget.
    message.deadline = clampDeadline(message.deadline, message.receivedAt, this.maxDeadlineMs);
    const remaining = message.deadline - Date.now();
    if (remaining <= 0) {
      return throwError(() => ProtocolError.deadlineExceeded(`deadline passed ${-remaining} ms before '${message.pattern}' ran`));
    }
    return next().pipe(
      timeout({
        first: remaining,
        with: () => throwError(() => ProtocolError.deadlineExceeded(`'${message.pattern}' did not finish before its deadline`)),
      }),
    );
  }
}
