export {
  TRACEPARENT_HEADER,
  TRACESTATE_HEADER,
  TRACESTATE_MAX_LENGTH,
  TRACESTATE_MAX_MEMBERS,
  TRACER_NAME,
  TRACING_ENV,
} from './tracing.constants';
export { parseTraceparent, formatTraceparent, isValidTraceparent, sanitizeTracestate, type TraceParent } from './trace-context.util';
export { setTracingEnabled, isTracingEnabled, activeOpenTelemetry, orionTracer, type OpenTelemetry } from './open-telemetry.util';
export { currentContext, currentSpan } from './trace-headers.util';
export { SPAN_ATTRIBUTES } from './server-tracer';
