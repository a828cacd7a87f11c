import { Injectable } from '@nestjs/common';
import { ProtocolError, type MiddlewareNext, type ProtocolMessage, type ProtocolMiddleware } from '@orion/protocols';
import type { Observable } from 'rxjs';

/** Requests per second the edge lets through, and the burst it absorbs. */
const RATE_PER_SECOND = 100;
const BURST = 200;

/**
 * Token bucket at the edge: over the rate, callers get RESOURCE_EXHAUSTED (HTTP 429, a
 * WebSocket error frame), whatever protocol they came in on. Written once, applied with
 * `@UseMiddleware(RateLimitMiddleware)`.
 */
@Injectable()
export class RateLimitMiddleware implements ProtocolMiddleware {
  private tokens = BURST;
  private refilledAt = Date.now();

  use(message: ProtocolMessage, next: MiddlewareNext): Observable<unknown> {
    const now = Date.now();
    this.tokens = Math.min(BURST, this.tokens + ((now - this.refilledAt) / 1000) * RATE_PER_SECOND);
    this.refilledAt = now;
    if (this.tokens < 1) {
      throw new ProtocolError('RESOURCE_EXHAUSTED', `rate limit of ${RATE_PER_SECOND}/s exceeded`, { pattern: message.pattern });
    }
    this.tokens -= 1;
    return next();
  }
}
