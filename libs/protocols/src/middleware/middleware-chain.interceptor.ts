import { Injectable, Optional, type CallHandler, type ExecutionContext, type NestInterceptor, type OnModuleInit } from '@nestjs/common';
import { defer, from, isObservable, map, tap, type Observable } from 'rxjs';
import type { Request, Response } from 'express';
import { CORRELATION_ID_HEADER } from '../protocols.constants';
import { getProtocolMessage } from '../context/protocol-message.factory';
import { runInMessageContext } from '../context/message-context.storage';
import { toProtocolError } from '../errors/to-protocol-error.util';
import type { ProtocolMessage } from '../interfaces/protocol-message.interface';
import type { ProtocolMiddleware } from '../interfaces/protocol-middleware.interface';
import { PROTOCOLS_MODULE_MISSING } from '../setup.messages';
import { MiddlewareResolver } from './middleware-resolver';
import { ProtocolTimings } from './protocol-timings';

function toObservable(result: Observable<unknown> | Promise<unknown>): Observable<unknown> {
  return isObservable(result) ? result : from(result);
}

/**
 * Runs the `ProtocolMiddleware` chain of an endpoint as one Nest interceptor, inside the
 * message's async context, and reports timings. `@Endpoint` applies it to every handler.
 *
 * Its dependencies are optional so that `Test.createTestingModule({ controllers: [C] })`
 * compiles without ProtocolsModule (a unit test calls the controller's methods directly);
 * a module that is initialised, or a request that arrives, without ProtocolsModule fails
 * with an error that says what to import, rather than skipping the middleware.
 * @internal
 */
@Injectable()
export class MiddlewareChainInterceptor implements NestInterceptor, OnModuleInit {
  constructor(
    @Optional() private readonly resolver?: MiddlewareResolver,
    @Optional() private readonly timings?: ProtocolTimings,
  ) {}

  onModuleInit(): void {
    if (!this.resolver || !this.timings) throw new Error(PROTOCOLS_MODULE_MISSING);
  }

  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (!this.resolver) throw new Error(PROTOCOLS_MODULE_MISSING);
    const message = getProtocolMessage(ctx);
    const chain = this.resolver.chainFor(ctx.getClass(), ctx.getHandler());
    const run = (index: number): Observable<unknown> =>
      index < chain.length ? defer(() => this.step(chain[index], message, () => run(index + 1))) : next.handle();

    let result$ = runInMessageContext(message, () => run(0));
    if (message.protocol === 'http') {
      // Pipes run after interceptors and read `@Msg()` from the body (see msg.decorator.ts).
      ctx.switchToHttp().getRequest<Request>().body = message.payload;
      const response = ctx.switchToHttp().getResponse<Response>();
      const setHeader = () => {
        const id = message.headers[CORRELATION_ID_HEADER];
        if (id && !response.headersSent) response.setHeader(CORRELATION_ID_HEADER, id);
      };
      // After the chain ran (the correlation middleware may have made the id), before the
      // body or the exception filter writes the response.
      result$ = result$.pipe(tap({ next: setHeader, error: setHeader, complete: setHeader }));
      if (message.isEvent) result$ = result$.pipe(map(() => undefined));
    }
    const tracer = this.resolver.builtin.tracer;
    // The server span wraps the timings too: it is the active span while the chain and handler run.
    return tracer === undefined ? this.timed(message, result$) : tracer.trace(message, this.timed(message, result$));
  }

  private step(middleware: ProtocolMiddleware, message: ProtocolMessage, next: () => Observable<unknown>) {
    return toObservable(middleware.use(message, next));
  }

  private timed(message: ProtocolMessage, source$: Observable<unknown>): Observable<unknown> {
    return defer(() => {
      this.timings?.started();
      let outcome = 'OK';
      return source$.pipe(
        tap({ error: (error: unknown) => (outcome = toProtocolError(error).code) }),
        tap({
          finalize: () =>
            this.timings?.finished({
              protocol: message.protocol,
              pattern: message.pattern,
              durationMs: Date.now() - message.receivedAt,
              outcome,
              isEvent: message.isEvent,
            }),
        }),
      );
    });
  }
}
