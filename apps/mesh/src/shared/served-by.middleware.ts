import { Injectable } from '@nestjs/common';
import type { MiddlewareNext, ProtocolMessage, ProtocolMiddleware } from '@orion/protocols';
import { InstanceRegistrar } from '@orion/discovery';
import { map, type Observable } from 'rxjs';

/**
 * Adds `servedBy: <instance id>` to every object reply, on every protocol, so callers of
 * the demo see the balancers at work. Global middleware of `orders` and `inventory`.
 */
@Injectable()
export class ServedByMiddleware implements ProtocolMiddleware {
  constructor(private readonly registrar: InstanceRegistrar) {}

  use(_message: ProtocolMessage, next: MiddlewareNext): Observable<unknown> {
    return next().pipe(map((reply) => (isPlainObject(reply) ? { ...reply, servedBy: this.registrar.instanceId } : reply)));
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
