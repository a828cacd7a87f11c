import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { Observable } from 'rxjs';
import { CORRELATION_ID_HEADER } from '../protocols.constants';
import type { MiddlewareNext, ProtocolMiddleware } from '../interfaces/protocol-middleware.interface';
import type { ProtocolMessage } from '../interfaces/protocol-message.interface';

const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Keeps the caller's correlation id (when it is a sane token) or makes one, so that
 * every hop of one request logs the same id.
 *
 * @publicApi
 */
@Injectable()
export class CorrelationIdMiddleware implements ProtocolMiddleware {
  use(message: ProtocolMessage, next: MiddlewareNext): Observable<unknown> {
    ensureCorrelationId(message);
    return next();
  }
}

/** Keeps a sane caller's correlation id or sets a fresh one (both handler paths). @internal */
export function ensureCorrelationId(message: ProtocolMessage): void {
  const given = message.headers[CORRELATION_ID_HEADER];
  if (given === undefined || !SAFE_ID.test(given)) message.headers[CORRELATION_ID_HEADER] = randomUUID();
}
