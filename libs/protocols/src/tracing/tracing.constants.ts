/** W3C Trace Context header naming the caller's trace and span (`00-<trace id>-<span id>-<flags>`). */
export const TRACEPARENT_HEADER = 'traceparent';
/** W3C Trace Context header carrying vendor-specific trace state (`key=value,...`). */
export const TRACESTATE_HEADER = 'tracestate';
/**
 * Longest `tracestate` kept (characters). W3C Trace Context asks every hop to propagate at
 * least 512; longer values are cut by whole list members, from the end.
 */
export const TRACESTATE_MAX_LENGTH = 512;
/** Most `tracestate` list members kept (W3C Trace Context's limit). */
export const TRACESTATE_MAX_MEMBERS = 32;
/** Name of the OpenTelemetry tracer the Orion packages create their spans with. */
export const TRACER_NAME = '@orion/protocols';
/** Environment variable that turns Orion's spans off for the process (`off`, `false` or `0`). */
export const TRACING_ENV = 'ORION_TRACING';
