import { Injectable } from '@nestjs/common';
import { defer, finalize, throwError, type Observable } from 'rxjs';
import { ProtocolError } from '../errors/protocol.error';
import type { InFlightLimitOptions } from '../interfaces/protocols-options.interface';
import type { MiddlewareNext, ProtocolMiddleware } from '../interfaces/protocol-middleware.interface';
import type { ProtocolMessage } from '../interfaces/protocol-message.interface';

/** Default bound on requests running at once per listener (protocol). */
export const DEFAULT_MAX_IN_FLIGHT_PER_LISTENER = 1024;
/** Default bound on requests running at once per endpoint (pattern, all protocols together). */
export const DEFAULT_MAX_IN_FLIGHT_PER_ENDPOINT = 512;

function resolveLimit(name: string, value: number | undefined, fallback: number): number {
  const limit = value ?? fallback;
  if (limit !== Number.POSITIVE_INFINITY && !(Number.isInteger(limit) && limit >= 1)) {
    throw new RangeError(`ProtocolsModule: maxInFlight.${name} must be a positive integer or Infinity, not ${String(value)}`);
  }
  return limit;
}

/** A refusal without a stack trace: a flood makes thousands, and the stack says nothing here. */
function busyError(message: string): ProtocolError {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return new ProtocolError('RESOURCE_EXHAUSTED', message);
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/**
 * Bounds the requests (and events) running at once, per listener and per endpoint: one
 * over either bound is refused at once with RESOURCE_EXHAUSTED (HTTP 429) instead of
 * queueing behind the others. A flood then costs a cheap refusal per message, and the
 * event loop stays free for what must not wait: registry heartbeats, lease renewals,
 * replies to the requests already admitted.
 *
 * @publicApi
 */
@Injectable()
export class InFlightLimitMiddleware implements ProtocolMiddleware {
  private readonly perListener: number;
  private readonly perEndpoint: number;
  private readonly byListener = new Map<string, number>();
  private readonly byEndpoint = new Map<string, number>();
  private refusedCount = 0;

  constructor(options: InFlightLimitOptions = {}) {
    this.perListener = resolveLimit('perListener', options.perListener, DEFAULT_MAX_IN_FLIGHT_PER_LISTENER);
    this.perEndpoint = resolveLimit('perEndpoint', options.perEndpoint, DEFAULT_MAX_IN_FLIGHT_PER_ENDPOINT);
  }

  /** Messages refused since start. */
  get refused(): number {
    return this.refusedCount;
  }

  use(message: ProtocolMessage, next: MiddlewareNext): Observable<unknown> {
    return defer(() => {
      const refusal = this.admit(message);
      if (refusal) return throwError(() => refusal);
      // The slot is given back however the rest of the chain ends (complete, error, unsubscribe).
      return next().pipe(finalize(() => this.leave(message)));
    });
  }

  /**
   * Takes a slot for the message, or returns the RESOURCE_EXHAUSTED refusal (and takes
   * none). Every admitted message must `leave` once. The direct handler path calls these
   * two as plain calls.
   * @internal
   */
  admit(message: ProtocolMessage): ProtocolError | undefined {
    const listener = message.protocol;
    const endpoint = message.pattern;
    const onListener = this.byListener.get(listener) ?? 0;
    const onEndpoint = this.byEndpoint.get(endpoint) ?? 0;
    if (onListener >= this.perListener || onEndpoint >= this.perEndpoint) {
      this.refusedCount++;
      const [scope, limit] =
        onListener >= this.perListener ? [`the ${listener} listener`, this.perListener] : [`'${endpoint}'`, this.perEndpoint];
      return busyError(`busy: ${limit} requests already in flight on ${scope}; retry later`);
    }
    this.byListener.set(listener, onListener + 1);
    this.byEndpoint.set(endpoint, onEndpoint + 1);
    return undefined;
  }

  /** Gives back the slot `admit` took. @internal */
  leave(message: ProtocolMessage): void {
    this.release(this.byListener, message.protocol);
    this.release(this.byEndpoint, message.pattern);
  }

  private release(counts: Map<string, number>, key: string): void {
    const count = (counts.get(key) ?? 1) - 1;
    if (count <= 0) counts.delete(key);
    else counts.set(key, count);
  }
}
