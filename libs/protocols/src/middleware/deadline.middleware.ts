import { Injectable } from '@nestjs/common';
import { throwError, timeout, type Observable } from 'rxjs';
import { ProtocolError } from '../errors/protocol.error';
import type { MiddlewareNext, ProtocolMiddleware } from '../interfaces/protocol-middleware.interface';
import type { ProtocolMessage } from '../interfaces/protocol-message.interface';

/**
 * Refuses a message whose deadline has passed with DEADLINE_EXCEEDED before the handler
 * runs, and ends a handler that outlives the deadline (the caller stopped waiting).
 *
 * @publicApi
 */
@Injectable()
export class DeadlineMiddleware implements ProtocolMiddleware {
  use(message: ProtocolMessage, next: MiddlewareNext): Observable<unknown> {
    if (message.deadline === undefined) return next();
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
