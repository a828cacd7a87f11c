import type { Context, Span } from '@opentelemetry/api';
import {
  activeOpenTelemetry,
  currentContext,
  currentProtocolMessage,
  formatTraceparent,
  orionTracer,
  SPAN_ATTRIBUTES,
  TRACEPARENT_HEADER,
  TRACESTATE_HEADER,
  type ProtocolError,
} from '@orion/protocols';
import { Observable } from 'rxjs';
import type { ServiceInstance } from '../registry/service-instance.interface';
import type { BalancedRequest } from './balanced-request';
import type { TransportClient } from './transport-clients';
import type { AttemptEnd } from './service-balancer';

/**
 * The context the attempts of a call starting now descend from: the active span, or the server
 * span of the request being handled. Taken when the call starts, because a retry runs from the
 * failed attempt's callback, where the caller's context is no longer active. Undefined, with
 * nothing allocated, when no OpenTelemetry SDK is registered or tracing is off.
 */
export function attemptParent(): Context | undefined {
  const otel = activeOpenTelemetry();
  return otel === undefined ? undefined : currentContext(otel, currentProtocolMessage());
}

/**
 * The CLIENT span (PRODUCER for an event) of one balanced attempt, named `<protocol> <pattern>`
 * like the server span it leads to, child of `parent` (see `attemptParent`). A retry is a span of its own with the instance it chose. Undefined,
 * with nothing allocated, when no OpenTelemetry SDK is registered or tracing is off.
 */
export function startAttemptSpan(
  parent: Context | undefined,
  service: string,
  protocol: string,
  pattern: string,
  instance: ServiceInstance,
  attempt: number,
  isEvent: boolean,
): Span | undefined {
  const otel = activeOpenTelemetry();
  if (otel === undefined) return undefined;
  return orionTracer().startSpan(
    `${protocol} ${pattern}`,
    {
      kind: isEvent ? otel.SpanKind.PRODUCER : otel.SpanKind.CLIENT,
      attributes: {
        [SPAN_ATTRIBUTES.rpcSystem]: protocol,
        [SPAN_ATTRIBUTES.protocol]: protocol,
        [SPAN_ATTRIBUTES.rpcMethod]: pattern,
        [SPAN_ATTRIBUTES.pattern]: pattern,
        [SPAN_ATTRIBUTES.service]: service,
        [SPAN_ATTRIBUTES.instance]: instance.id,
        [SPAN_ATTRIBUTES.attempt]: attempt,
      },
    },
    parent ?? currentContext(otel, currentProtocolMessage()),
  );
}

/** `headers` plus the attempt span's `traceparent`/`tracestate`: what this attempt sends. */
export function attemptHeaders(span: Span, headers: Record<string, string> | undefined): Record<string, string> {
  const spanContext = span.spanContext();
  const traceparent = formatTraceparent(spanContext);
  if (traceparent === undefined) return headers ?? {};
  const out: Record<string, string> = { ...headers, [TRACEPARENT_HEADER]: traceparent };
  const state = spanContext.traceState?.serialize();
  if (state) out[TRACESTATE_HEADER] = state;
  return out;
}

/**
 * `request.invoke(client, timeoutMs, request)` called and subscribed with the attempt span active, so the
 * client's outgoing headers carry it whether it builds its packet at once (a hot `emit`) or on
 * subscription (after connecting).
 */
export function invokeInAttemptSpan(span: Span, request: BalancedRequest, client: TransportClient, timeoutMs: number): Observable<unknown> {
  const otel = activeOpenTelemetry();
  if (otel === undefined) return request.invoke(client, timeoutMs, request);
  const attemptContext = otel.trace.setSpan(otel.context.active(), span);
  const source = otel.context.with(attemptContext, () => request.invoke(client, timeoutMs, request));
  return new Observable<unknown>((subscriber) => otel.context.with(attemptContext, () => source.subscribe(subscriber)));
}

/** Ends the attempt span with how it ended (`served`, `failed`, `caller`: see AttemptEnd) and the error code; ERROR status on failure. */
export function endAttemptSpan(span: Span, end: AttemptEnd, error: ProtocolError | undefined): void {
  span.setAttribute(SPAN_ATTRIBUTES.outcome, end);
  if (error !== undefined) {
    span.setAttribute(SPAN_ATTRIBUTES.errorCode, error.code);
    span.setAttribute(SPAN_ATTRIBUTES.errorType, error.code);
    span.setStatus({ code: 2 /* SpanStatusCode.ERROR */, message: error.message });
  }
  span.end();
}
