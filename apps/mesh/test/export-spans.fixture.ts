// Test fixture, run as a child process (`node -r test/harness/register-ts.js ...`): registers
// the demo's tracing bootstrap like a mesh process does, records a server span with a
// failed client attempt inside it, exports them with the standard OTLP/HTTP exporter (to
// whatever the OTEL_* variables say), and prints their ids as one JSON line. Its own
// process, because the exporter loads `http` with a dynamic import() that jest's VM refuses.
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { startMeshTracing, stopMeshTracing } from '../src/shared/tracing.bootstrap';

async function main(): Promise<void> {
  const [service = 'fixture', instanceId = 'fixture-1'] = process.argv.slice(2);
  if (!startMeshTracing(service, instanceId)) throw new Error('tracing is disabled by the environment');
  const tracer = trace.getTracer('export-spans.fixture');
  const ids = tracer.startActiveSpan(
    'http POST /api/orders',
    { kind: SpanKind.SERVER, attributes: { 'orion.protocol': 'http' } },
    (root) => {
      // No explicit parent: the registered context manager makes the active span the parent.
      const child = tracer.startSpan('tcp orders.create', {
        kind: SpanKind.CLIENT,
        attributes: { 'orion.protocol': 'tcp', 'orion.instance.id': 'orders-2-99', 'orion.attempt': 1, 'orion.ok': false, ratio: 0.5 },
      });
      child.setStatus({ code: SpanStatusCode.ERROR, message: 'UNAVAILABLE' });
      child.end();
      root.end();
      return { traceId: root.spanContext().traceId, rootSpanId: root.spanContext().spanId, childSpanId: child.spanContext().spanId };
    },
  );
  await stopMeshTracing();
  process.stdout.write(JSON.stringify(ids) + '\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`export-spans.fixture failed: ${String(error)}\n`);
  process.exit(1);
});
