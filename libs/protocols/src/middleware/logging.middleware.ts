import { Logger } from '@nestjs/common';
import { tap, type Observable } from 'rxjs';
import { CORRELATION_ID_HEADER } from '../protocols.constants';
import { toProtocolError } from '../errors/to-protocol-error.util';
import type { MiddlewareNext, ProtocolMiddleware } from '../interfaces/protocol-middleware.interface';
import type { ProtocolMessage } from '../interfaces/protocol-message.interface';

/**
 * One log line per handled request with protocol, pattern, duration and outcome, as
 * structured fields (the tree and JSON loggers print them as such). Built in (option
 * `logRequests`); add it by hand as an instance: `new LoggingMiddleware('orders')`.
 *
 * @publicApi
 */
export class LoggingMiddleware implements ProtocolMiddleware {
  /** @param serviceName first part of the log context, `<serviceName>.<protocol>` */
  constructor(private readonly serviceName = 'app') {}

  use(message: ProtocolMessage, next: MiddlewareNext): Observable<unknown> {
    return next().pipe(tap({ complete: () => this.handled(message), error: (error: unknown) => this.failed(message, error) }));
  }

  /** Logs a request that completed (the direct handler path calls it as a plain call). @internal */
  handled(message: ProtocolMessage): void {
    Logger.log({ message: 'request handled', ...this.fields(message) }, this.contextOf(message));
  }

  /** Logs a request that failed. @internal */
  failed(message: ProtocolMessage, error: unknown): void {
    Logger.warn({ message: 'request failed', code: toProtocolError(error).code, ...this.fields(message) }, this.contextOf(message));
  }

  private contextOf(message: ProtocolMessage): string {
    return `${this.serviceName}.${message.protocol}`;
  }

  private fields(message: ProtocolMessage) {
    return {
      pattern: message.pattern,
      id: message.id,
      correlationId: message.headers[CORRELATION_ID_HEADER],
      durationMs: Math.round((Date.now() - message.receivedAt) * 10) / 10,
    };
  }
}
