import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { defaultResource, detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';

/** Longest wait for the last spans to leave at shutdown (the gateway may already be gone). */
const SHUTDOWN_FLUSH_MS = 1000;

let provider: NodeTracerProvider | undefined;

/**
 * Registers the OpenTelemetry SDK in a mesh process, before Nest and the Orion libraries
 * create any span: a `NodeTracerProvider` (async-hooks context, W3C `traceparent`
 * propagation), a `BatchSpanProcessor` and the standard `OTLPTraceExporter` (OTLP/HTTP,
 * JSON). Everything else comes from the standard environment variables, which the SDK
 * reads itself:
 *
 * - `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` / `OTEL_EXPORTER_OTLP_ENDPOINT`: where to export.
 *   The launcher points them at the gateway's receiver when the user set neither.
 * - `OTEL_EXPORTER_OTLP_TRACES_HEADERS` / `OTEL_EXPORTER_OTLP_HEADERS`, `..._COMPRESSION`,
 *   `OTEL_BSP_SCHEDULE_DELAY`, `OTEL_BSP_MAX_EXPORT_BATCH_SIZE`...
 * - `OTEL_SERVICE_NAME`, `OTEL_RESOURCE_ATTRIBUTES`: win over the role and instance id.
 * - `OTEL_TRACES_EXPORTER=none` or `OTEL_SDK_DISABLED=true`: nothing is registered, and the
 *   libraries' tracing costs nothing (`@opentelemetry/api` stays a no-op).
 *
 * Returns whether the SDK was registered.
 */
export function startMeshTracing(service: string, instanceId: string, env: NodeJS.ProcessEnv = process.env): boolean {
  if (provider || isDisabled(env)) return false;
  const resource = defaultResource()
    .merge(resourceFromAttributes({ 'service.name': service, 'service.instance.id': instanceId }))
    // NOTE: the user's OTEL_SERVICE_NAME / OTEL_RESOURCE_ATTRIBUTES last: they win.
    .merge(detectResources({ detectors: [envDetector] }));
  provider = new NodeTracerProvider({ resource, spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())] });
  provider.register();
  return true;
}

/** Exports what is still buffered (at most `SHUTDOWN_FLUSH_MS`) and stops the SDK. */
export async function stopMeshTracing(): Promise<void> {
  const current = provider;
  provider = undefined;
  if (!current) return;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, SHUTDOWN_FLUSH_MS)));
  await Promise.race([current.shutdown().catch(() => undefined), timeout]);
  clearTimeout(timer);
}

function isDisabled(env: NodeJS.ProcessEnv): boolean {
  const exporters = (env.OTEL_TRACES_EXPORTER ?? '').split(',').map((name) => name.trim().toLowerCase());
  return env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true' || exporters.includes('none');
}
