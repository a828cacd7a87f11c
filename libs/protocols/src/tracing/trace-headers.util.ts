import type { Context, Span } from '@opentelemetry/api';
import type { ProtocolMessage } from '../interfaces/protocol-message.interface';
import { messageSpan } from './message-span.util';
import { activeOpenTelemetry, type OpenTelemetry } from './open-telemetry.util';
import { formatTraceparent, isValidTraceparent, sanitizeTracestate } from './trace-context.util';
import { TRACEPARENT_HEADER, TRACESTATE_HEADER } from './tracing.constants';

/**
 * Inbound: drops a malformed `traceparent` (and the `tracestate` that goes with it) and cuts an
 * oversized `tracestate`, so that handlers, spans and forwarding only ever see valid values.
 * Two property reads when the message carries neither. @internal
 */
export function sanitizeTraceHeaders(headers: Record<string, string>): void {
  const traceparent = headers[TRACEPARENT_HEADER];
  const tracestate = headers[TRACESTATE_HEADER];
  if (traceparent === undefined && tracestate === undefined) return;
  if (traceparent === undefined || !isValidTraceparent(traceparent)) {
    delete headers[TRACEPARENT_HEADER];
    delete headers[TRACESTATE_HEADER];
    return;
  }
  if (tracestate === undefined) return;
  const kept = sanitizeTracestate(tracestate);
  if (kept === undefined) delete headers[TRACESTATE_HEADER];
  else if (kept !== tracestate) headers[TRACESTATE_HEADER] = kept;
}

/**
 * The span a call made now descends from: the active OpenTelemetry span, else the server span
 * of the message being handled. @internal
 */
export function currentSpan(otel: OpenTelemetry, message: ProtocolMessage | undefined): Span | undefined {
  return otel.trace.getSpan(otel.context.active()) ?? messageSpan(message);
}

/** The context a call made now descends from (see `currentSpan`). @internal */
export function currentContext(otel: OpenTelemetry, message: ProtocolMessage | undefined): Context {
  const active = otel.context.active();
  if (otel.trace.getSpan(active) !== undefined) return active;
  const span = messageSpan(message);
  return span === undefined ? active : otel.trace.setSpan(active, span);
}

/** Writes `span`'s `traceparent` and `tracestate` into `headers`; false when its context is not valid. @internal */
export function injectSpan(otel: OpenTelemetry, span: Span, headers: Record<string, string>): boolean {
  const spanContext = span.spanContext();
  if (!otel.isSpanContextValid(spanContext)) return false;
  const traceparent = formatTraceparent(spanContext);
  if (traceparent === undefined) return false;
  headers[TRACEPARENT_HEADER] = traceparent;
  const tracestate = spanContext.traceState?.serialize();
  if (tracestate) headers[TRACESTATE_HEADER] = tracestate;
  return true;
}

/**
 * Outbound: the trace headers of a call made now. With an SDK registered, those of the active
 * span (a balanced attempt's span, or the server span of the request being handled); without
 * one, the inbound request's values unchanged, so that a trace passes through a service that
 * has no SDK. Nothing is allocated when there is neither. @internal
 */
export function addTraceHeaders(headers: Record<string, string>, message: ProtocolMessage | undefined): void {
  const otel = activeOpenTelemetry();
  if (otel !== undefined) {
    const span = currentSpan(otel, message);
    if (span !== undefined && injectSpan(otel, span, headers)) return;
  }
  const inbound = message?.headers;
  if (inbound === undefined) return;
  const traceparent = inbound[TRACEPARENT_HEADER];
  if (traceparent === undefined) return;
  // Validated on the way in (sanitizeTraceHeaders), unless middleware changed it since.
  headers[TRACEPARENT_HEADER] = traceparent;
  const tracestate = inbound[TRACESTATE_HEADER];
  if (tracestate !== undefined) headers[TRACESTATE_HEADER] = tracestate;
}
