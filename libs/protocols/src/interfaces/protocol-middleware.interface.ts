import type { Observable } from 'rxjs';
import type { ProtocolMessage } from './protocol-message.interface';

/**
 * Calls the rest of the chain (later middleware, then the handler).
 *
 * @publicApi
 */
export type MiddlewareNext = () => Observable<unknown>;

/**
 * Middleware written once, run on every protocol. It runs inside a Nest interceptor,
 * so guards have already passed and pipes run after it.
 *
 * @publicApi
 */
export interface ProtocolMiddleware {
  use(message: ProtocolMessage, next: MiddlewareNext): Observable<unknown> | Promise<unknown>;
}
