import type { Context, Span } from '@opentelemetry/api';
import { Observable } from 'rxjs';
import { toProtocolError } from '../errors/to-protocol-error.util';
import type { ProtocolMessage } from '../interfaces/protocol-message.interface';
import { setMessageSpan } from './message-span.util';
import { activeOpenTelemetry, orionTracer, type OpenTelemetry } from './open-telemetry.util';
import { parseTraceparent } from './trace-context.util';
import { TRACEPARENT_HEADER, TRACESTATE_HEADER } from './tracing.constants';

/** Span attribute names set by Orion (OpenTelemetry semantic conventions where one fits). */
export const SPAN_ATTRIBUTES = {
  rpcSystem: 'rpc.system',
  rpcMethod: 'rpc.method',
  protocol: 'network.protocol.name',
  pattern: 'orion.pattern',
  service: 'orion.service',
  instance: 'orion.instance.id',
  attempt: 'orion.attempt',
  outcome: 'orion.outcome',
  errorCode: 'orion.error_code',
  errorType: 'error.type',
} as const;

/**
 * The server span of every handled request, on both handler paths: kind SERVER for a request,
 * CONSUMER for an event, named `<protocol> <pattern>`, parented on the inbound `traceparent`
 * (or the active span, when an HTTP instrumentation made one for the same trace), and made the
 * active context while the handler runs so that calls it makes become its children. Without a
 * registered SDK (or with tracing off) `start` returns undefined and nothing is allocated.
 * @internal
 */
export class ServerTracer {
  constructor(private readonly serviceName?: string) {}

  /** Starts the span of `message`, or undefined when spans are not wanted now. */
  start(message: ProtocolMessage): Span | undefined {
    const otel = activeOpenTelemetry();
    if (otel === undefined) return undefined;
    const span = orionTracer().startSpan(
      `${message.protocol} ${message.pattern}`,
      {
        kind: message.isEvent ? otel.SpanKind.CONSUMER : otel.SpanKind.SERVER,
        attributes: {
          [SPAN_ATTRIBUTES.rpcSystem]: message.protocol,
          [SPAN_ATTRIBUTES.protocol]: message.protocol,
          [SPAN_ATTRIBUTES.rpcMethod]: message.pattern,
          [SPAN_ATTRIBUTES.pattern]: message.pattern,
          ...(this.serviceName === undefined ? {} : { [SPAN_ATTRIBUTES.service]: this.serviceName }),
        },
      },
      parentOf(otel, message),
    );
    setMessageSpan(message, span);
    return span;
  }

  /** Runs `fn` with `span` as the active span. */
  run<T>(span: Span, fn: () => T): T {
    const otel = activeOpenTelemetry();
    if (otel === undefined) return fn();
    return otel.context.with(otel.trace.setSpan(otel.context.active(), span), fn);
  }

  /** Ends `span`: status OK, or ERROR with the canonical code of `error` when `isFailed`. */
  end(span: Span, isFailed: boolean, error?: unknown): void {
    if (isFailed) {
      const protocolError = toProtocolError(error);
      span.setAttribute(SPAN_ATTRIBUTES.errorCode, protocolError.code);
      span.setAttribute(SPAN_ATTRIBUTES.errorType, protocolError.code);
      span.setStatus({ code: 2 /* SpanStatusCode.ERROR */, message: protocolError.message });
    }
    span.end();
  }

  /** `source$` inside the server span of `message` (Nest's handler path); `source$` itself when spans are not wanted. */
  trace(message: ProtocolMessage, source$: Observable<unknown>): Observable<unknown> {
    if (activeOpenTelemetry() === undefined) return source$;
    return new Observable<unknown>((subscriber) => {
      const span = this.start(message);
      if (span === undefined) return source$.subscribe(subscriber);
      let isEnded = false;
      const end = (isFailed: boolean, error?: unknown) => {
        if (isEnded) return;
        isEnded = true;
        this.end(span, isFailed, error);
      };
      const subscription = this.run(span, () =>
        source$.subscribe({
          next: (value) => subscriber.next(value),
          error: (error: unknown) => {
            end(true, error);
            subscriber.error(error);
          },
          complete: () => {
            end(false);
            subscriber.complete();
          },
        }),
      );
      // Unsubscribed before an outcome (the caller went away): the span still ends.
      return () => {
        subscription.unsubscribe();
        end(false);
      };
    });
  }
}

/** The parent of a server span: the inbound `traceparent`, unless the active span already belongs to that trace. */
function parentOf(otel: OpenTelemetry, message: ProtocolMessage): Context {
  const active = otel.context.active();
  const inbound = parseTraceparent(message.headers[TRACEPARENT_HEADER]);
  if (inbound === undefined) return active;
  const activeSpan = otel.trace.getSpan(active);
  if (activeSpan !== undefined && activeSpan.spanContext().traceId === inbound.traceId) return active;
  const tracestate = message.headers[TRACESTATE_HEADER];
  return otel.trace.setSpanContext(active, {
    traceId: inbound.traceId,
    spanId: inbound.spanId,
    traceFlags: inbound.traceFlags,
    isRemote: true,
    traceState: tracestate === undefined ? undefined : otel.createTraceState(tracestate),
  });
}
