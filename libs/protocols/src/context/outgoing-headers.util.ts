import { CORRELATION_ID_HEADER, TIMEOUT_HEADER, VERSION_PIN_HEADER } from '../protocols.constants';
import { remainingMsText } from '../utils/headers.util';
import { MAX_CALL_TIMEOUT_MS } from '../utils/deadline.util';
import { addTraceHeaders } from '../tracing/trace-headers.util';
import { currentProtocolMessage } from './message-context.storage';

/**
 * The deadline of an outgoing call: the client's own timeout, cut short by the deadline
 * of the request being handled (deadline propagation). Never further than 24 h
 * (`MAX_CALL_TIMEOUT_MS`): a timer beyond 2^31-1 ms fires at once, and so does a grpc-js deadline.
 */
export function outgoingDeadline(timeoutMs: number, now = Date.now()): number {
  const own = now + Math.min(timeoutMs, MAX_CALL_TIMEOUT_MS);
  const inherited = currentProtocolMessage()?.deadline;
  return inherited !== undefined && inherited < own ? inherited : own;
}

/**
 * Headers every Orion client sends: correlation id and version pins of the current request,
 * budget, and the W3C trace context (the active span's with an OpenTelemetry SDK, else the
 * inbound request's). A call's own `extra` headers win over the forwarded ones.
 */
export function outgoingHeaders(deadline: number, extra?: Record<string, string>): Record<string, string> {
  // NOTE: one object per call (this runs on every call of every client), filled in place.
  const headers: Record<string, string> = { [TIMEOUT_HEADER]: remainingMsText(deadline) };
  const message = currentProtocolMessage();
  const correlationId = message?.headers[CORRELATION_ID_HEADER];
  if (correlationId) headers[CORRELATION_ID_HEADER] = correlationId;
  // NOTE: pins travel every hop, so a tester's `orders@2.1.x` reaches orders' callers too.
  const versionPin = message?.headers[VERSION_PIN_HEADER];
  if (versionPin) headers[VERSION_PIN_HEADER] = versionPin;
  addTraceHeaders(headers, message);
  return extra === undefined ? headers : Object.assign(headers, extra);
}
