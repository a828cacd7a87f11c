import type * as OpenTelemetryApi from '@opentelemetry/api';
import { TRACER_NAME, TRACING_ENV } from './tracing.constants';

/** The `@opentelemetry/api` module, loaded lazily: it is an optional peer dependency. */
export type OpenTelemetry = typeof OpenTelemetryApi;

/** How many gate calls reuse the cached global provider before it is looked up again. */
const PROVIDER_RECHECK_CALLS = 1024;

/** undefined: not loaded yet; null: not installed. */
let api: OpenTelemetry | null | undefined;
/** The provider `trace.getTracerProvider()` gave (a `ProxyTracerProvider` once the API is loaded). */
let provider: OpenTelemetryApi.TracerProvider | undefined;
/** The no-op provider a proxy delegates to while no SDK is registered. */
let noopProvider: OpenTelemetryApi.TracerProvider | undefined;
let tracer: OpenTelemetryApi.Tracer | undefined;
let callsUntilRecheck = 0;
let isEnabled = !['off', 'false', '0'].includes((process.env[TRACING_ENV] ?? '').trim().toLowerCase());

function load(): OpenTelemetry | null {
  try {
    return require('@opentelemetry/api') as OpenTelemetry;
  } catch {
    return null;
  }
}

function refreshProvider(otel: OpenTelemetry): void {
  provider = otel.trace.getTracerProvider();
  noopProvider ??= new otel.ProxyTracerProvider().getDelegate();
  tracer = provider.getTracer(TRACER_NAME);
  callsUntilRecheck = PROVIDER_RECHECK_CALLS;
}

function isNoop(current: OpenTelemetryApi.TracerProvider | undefined): boolean {
  // A proxy delegates to the no-op provider until an SDK calls `trace.setGlobalTracerProvider`.
  const delegate = (current as Partial<OpenTelemetryApi.ProxyTracerProvider> | undefined)?.getDelegate?.() ?? current;
  return delegate === undefined || delegate === noopProvider || delegate.constructor?.name === 'NoopTracerProvider';
}

/**
 * The OpenTelemetry API when Orion's spans are wanted now: the API is installed, tracing is not
 * turned off (`setTracingEnabled(false)`, `ORION_TRACING=off`) and an SDK registered a tracer
 * provider. Undefined otherwise, at the cost of a few property reads and no allocation: the
 * API is loaded once, and the global provider is cached and asked for its delegate on each
 * call (an SDK registered after start-up is seen at once); the provider itself is looked up
 * again every 1024 calls, in case an SDK with another copy of the API registered its own.
 * @internal
 */
export function activeOpenTelemetry(): OpenTelemetry | undefined {
  if (!isEnabled) return undefined;
  if (api === undefined) {
    api = load();
    if (api !== null) refreshProvider(api);
  }
  if (api === null) return undefined;
  if (--callsUntilRecheck <= 0) refreshProvider(api);
  return isNoop(provider) ? undefined : api;
}

/** Orion's tracer from the registered provider; only meaningful after `activeOpenTelemetry()` gave the API. @internal */
export function orionTracer(): OpenTelemetryApi.Tracer {
  return tracer!;
}

/**
 * Turns Orion's spans on or off for the whole process (server spans, balanced-client attempt
 * spans, and injecting the active span into outgoing headers). Off, an inbound `traceparent`
 * is still forwarded unchanged, so a trace passes through. The default is on unless the
 * environment variable `ORION_TRACING` is `off`, `false` or `0`; spans are only made when an
 * OpenTelemetry SDK is registered (see docs/tracing.md).
 *
 * @publicApi
 */
export function setTracingEnabled(enabled: boolean): void {
  isEnabled = enabled;
}

/** Whether Orion's spans are turned on for the process (they are still only made with an SDK registered). @publicApi */
export function isTracingEnabled(): boolean {
  return isEnabled;
}
