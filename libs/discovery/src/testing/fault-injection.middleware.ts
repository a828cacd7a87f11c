import { Injectable } from '@nestjs/common';
import { ProtocolError, type MiddlewareNext, type ProtocolMessage, type ProtocolMiddleware } from '@orion/protocols';
import { defer, mergeMap, NEVER, throwError, timer, type Observable } from 'rxjs';

/**
 * Faults a real app injects into its own endpoints (chaos tests, demos).
 *
 * @publicApi
 */
export interface EndpointFaults {
  latencyMs?: number;
  /** Share of requests (0..1) failing with INTERNAL. */
  errorRate?: number;
  /** Every request hangs until its deadline (the deadline middleware ends it). */
  isHung?: boolean;
}

/**
 * Server-side fault injection as a `ProtocolMiddleware`: add it globally
 * (`ProtocolsModule.forRoot({ middleware: [FaultInjectionMiddleware] })`, as a provider) and
 * change faults at run time with `configure`.
 *
 * @publicApi
 */
@Injectable()
export class FaultInjectionMiddleware implements ProtocolMiddleware {
  private faults: EndpointFaults = {};
  private random: () => number = Math.random;

  configure(faults: EndpointFaults, random: () => number = Math.random): void {
    this.faults = faults;
    this.random = random;
  }

  use(_message: ProtocolMessage, next: MiddlewareNext): Observable<unknown> {
    const { latencyMs = 0, errorRate = 0, isHung = false } = this.faults;
    if (isHung) return NEVER;
    const result = this.random() < errorRate ? defer(() => throwError(() => ProtocolError.internal('injected fault'))) : defer(next);
    return latencyMs > 0 ? timer(latencyMs).pipe(mergeMap(() => result)) : result;
  }
}
