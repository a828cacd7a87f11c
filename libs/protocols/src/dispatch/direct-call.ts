import { defer, from, isObservable, mergeMap, of, type Observable, type Subscription } from 'rxjs';
import { ProtocolError } from '../errors/protocol.error';
import { toProtocolError } from '../errors/to-protocol-error.util';
import { toErrorReply } from '../filters/error-reply.util';
import type { ProtocolMessage } from '../interfaces/protocol-message.interface';
import type { ProtocolMiddleware } from '../interfaces/protocol-middleware.interface';
import { withAsyncContext, withMessage } from '../context/message-context.storage';
import { ensureCorrelationId } from '../middleware/correlation-id.middleware';
import type { DeadlineMiddleware } from '../middleware/deadline.middleware';
import type { InFlightLimitMiddleware } from '../middleware/in-flight-limit.middleware';
import type { LoggingMiddleware } from '../middleware/logging.middleware';
import type { ProtocolTimings } from '../middleware/protocol-timings';
import type { ServerTracer } from '../tracing/server-tracer';
import { clampDeadline } from '../utils/deadline.util';
import type { DeadlineWheel } from './deadline-wheel';
import type { DirectReply } from '../interfaces/direct-dispatch.interface';

export type { DirectReply } from '../interfaces/direct-dispatch.interface';

/** Everything one compiled endpoint needs per call. @internal */
export interface DirectEndpointParts {
  pattern: string;
  isEvent: boolean;
  /** Calls the controller method with its arguments; `context` builds the transport's context object when a parameter needs it. */
  invoke(message: ProtocolMessage, context: () => unknown): unknown;
  /** An `async` handler (or one behind user middleware) runs inside the async context. */
  needsAsyncContext: boolean;
  userChain: ProtocolMiddleware[];
  deadline: DeadlineMiddleware;
  inFlight?: InFlightLimitMiddleware;
  logging?: LoggingMiddleware;
  timings: ProtocolTimings;
  wheel: DeadlineWheel;
  /** Server spans; absent with `tracing: false`. */
  tracer?: ServerTracer;
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as PromiseLike<unknown>).then === 'function';
}

/** Nest's `transformToObservable`: a promise is awaited, and an observable it yields is flattened. */
function toObservable(result: unknown): Observable<unknown> {
  if (isObservable(result)) return result;
  if (isPromiseLike(result)) return from(result).pipe(mergeMap((value) => (isObservable(value) ? value : of(value))));
  return of(result);
}

/**
 * One request on the direct path: what `MiddlewareChainInterceptor`, the built-in
 * middleware and `ProtocolExceptionFilter` do on Nest's path, as plain calls. Order and
 * outcomes are the same: correlation id; a deadline already passed is DEADLINE_EXCEEDED
 * before anything runs; the in-flight bound refuses with RESOURCE_EXHAUSTED; then the
 * request log around the user middleware and the handler; a deadline that passes while
 * the handler runs answers DEADLINE_EXCEEDED at once (the handler's later result is
 * dropped, its slot freed, nothing logged, as with Nest's path); timings record every outcome.
 * @internal
 */
export class DirectCall {
  private isSettled = false;
  private isAdmitted = false;
  private cancelDeadline: (() => void) | undefined;
  private subscription: Subscription | undefined;
  /** The server span, when an OpenTelemetry SDK is registered (see ServerTracer). */
  private span: ReturnType<ServerTracer['start']>;

  constructor(
    private readonly parts: DirectEndpointParts,
    private readonly message: ProtocolMessage,
    private readonly reply: DirectReply,
    private readonly context: () => unknown,
  ) {}

  start(): void {
    const { parts, message } = this;
    ensureCorrelationId(message);
    this.span = parts.tracer?.start(message);
    parts.timings.started();
    if (message.deadline !== undefined) {
      // Clamped on the message itself, so clients called by the handler forward the clamped budget.
      message.deadline = clampDeadline(message.deadline, message.receivedAt, parts.deadline.maxDeadlineMs);
      const remaining = message.deadline - Date.now();
      if (remaining <= 0) {
        this.isSettled = true;
        return this.end(ProtocolError.deadlineExceeded(`deadline passed ${-remaining} ms before '${message.pattern}' ran`));
      }
    }
    if (parts.inFlight) {
      const refusal = parts.inFlight.admit(message);
      if (refusal) {
        this.isSettled = true;
        return this.end(refusal);
      }
      this.isAdmitted = true;
    }
    if (message.deadline !== undefined) this.cancelDeadline = parts.wheel.add(message.deadline, () => this.expire());
    const run = parts.userChain.length > 0 ? () => this.runChain() : () => this.runHandler();
    const enter = parts.needsAsyncContext ? withAsyncContext : withMessage;
    if (this.span === undefined) enter(message, run);
    // The span is the active context while the handler runs: calls it makes are its children.
    else parts.tracer!.run(this.span, () => enter(message, run));
  }

  private runHandler(): void {
    let result: unknown;
    try {
      result = this.parts.invoke(this.message, this.context);
    } catch (error) {
      return this.settle(true, error);
    }
    if (isPromiseLike(result)) {
      result.then(
        (value) => this.take(value),
        (error: unknown) => this.settle(true, error),
      );
    } else this.take(result);
  }

  private take(value: unknown): void {
    if (isObservable(value)) return this.follow(value);
    this.emit(value);
    this.settle(false);
  }

  private runChain(): void {
    const { userChain } = this.parts;
    const step = (index: number): Observable<unknown> =>
      index < userChain.length
        ? defer(() => toObservable(userChain[index].use(this.message, () => step(index + 1))))
        : defer(() => toObservable(this.parts.invoke(this.message, this.context)));
    this.follow(step(0));
  }

  private follow(source: Observable<unknown>): void {
    this.subscription = source.subscribe({
      next: (value) => this.emit(value),
      error: (error: unknown) => this.settle(true, error),
      complete: () => this.settle(false),
    });
    if (this.isSettled) this.subscription.unsubscribe();
  }

  private emit(value: unknown): void {
    if (!this.isSettled) this.reply.next(value);
  }

  /** The handler (and user middleware) ended. */
  private settle(isFailed: boolean, error?: unknown): void {
    if (this.isSettled) return;
    this.isSettled = true;
    this.cancelDeadline?.();
    this.release();
    const { logging } = this.parts;
    if (logging) {
      if (isFailed) logging.failed(this.message, error);
      else logging.handled(this.message);
    }
    this.end(isFailed ? error : undefined, isFailed);
  }

  /** The deadline passed first: answer now, drop whatever the handler does later. */
  private expire(): void {
    if (this.isSettled) return;
    this.isSettled = true;
    this.subscription?.unsubscribe();
    this.release();
    this.end(ProtocolError.deadlineExceeded(`'${this.message.pattern}' did not finish before its deadline`));
  }

  private release(): void {
    if (!this.isAdmitted) return;
    this.isAdmitted = false;
    this.parts.inFlight?.leave(this.message);
  }

  private end(error: unknown, isFailed = error !== undefined): void {
    const { message, parts } = this;
    const outcome = isFailed ? toProtocolError(error).code : 'OK';
    parts.timings.finished({
      protocol: message.protocol,
      pattern: message.pattern,
      durationMs: Date.now() - message.receivedAt,
      outcome,
      isEvent: message.isEvent,
    });
    if (this.span !== undefined) parts.tracer!.end(this.span, isFailed, error);
    if (!isFailed) return this.reply.complete();
    const { body, error: protocolError } = toErrorReply(error, message);
    this.reply.error(body, protocolError);
  }
}
