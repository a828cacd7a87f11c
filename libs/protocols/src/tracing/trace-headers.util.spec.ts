import { context, propagation, ProxyTracer, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { ProtocolMessage } from '../interfaces/protocol-message.interface';
import { withMessage } from '../context/message-context.storage';
import { outgoingHeaders } from '../context/outgoing-headers.util';
import { activeOpenTelemetry, setTracingEnabled } from './open-telemetry.util';
import { ServerTracer } from './server-tracer';
import { addTraceHeaders, sanitizeTraceHeaders } from './trace-headers.util';
import { TRACEPARENT_HEADER, TRACESTATE_HEADER } from './tracing.constants';

const INBOUND = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

function message(headers: Record<string, string>, isEvent = false): ProtocolMessage {
  return { id: '1', protocol: 'tcp', pattern: 'orders.get', payload: {}, headers, receivedAt: Date.now(), isEvent };
}

describe('trace headers and server spans', () => {
  const exporter = new InMemorySpanExporter();

  afterEach(() => {
    setTracingEnabled(true);
    exporter.reset();
  });

  afterAll(() => {
    trace.disable();
    context.disable();
    propagation.disable();
  });

  describe('inbound', () => {
    it('drops a malformed traceparent with its tracestate, keeps a valid one and cuts a bad tracestate', () => {
      const bad = { [TRACEPARENT_HEADER]: 'garbage', [TRACESTATE_HEADER]: 'a=1' };
      sanitizeTraceHeaders(bad);
      expect(bad).toEqual({});
      const good = { [TRACEPARENT_HEADER]: INBOUND, [TRACESTATE_HEADER]: 'a=1,Bad' };
      sanitizeTraceHeaders(good);
      expect(good).toEqual({ [TRACEPARENT_HEADER]: INBOUND });
      const orphan = { [TRACESTATE_HEADER]: 'a=1' };
      sanitizeTraceHeaders(orphan);
      expect(orphan).toEqual({});
    });
  });

  describe('without an SDK registered', () => {
    it('makes no span at all (the API is loaded, the global provider is the no-op one)', () => {
      const startSpan = jest.spyOn(ProxyTracer.prototype, 'startSpan');
      const tracer = new ServerTracer('orders');
      for (let i = 0; i < 1000; i++) expect(tracer.start(message({ [TRACEPARENT_HEADER]: INBOUND }))).toBeUndefined();
      expect(activeOpenTelemetry()).toBeUndefined();
      expect(startSpan).not.toHaveBeenCalled();
      startSpan.mockRestore();
    });

    it('forwards the inbound trace context unchanged, and adds nothing when there is none', () => {
      const inbound = message({ [TRACEPARENT_HEADER]: INBOUND, [TRACESTATE_HEADER]: 'a=1' });
      const headers = withMessage(inbound, () => outgoingHeaders(Date.now() + 1000));
      expect(headers[TRACEPARENT_HEADER]).toBe(INBOUND);
      expect(headers[TRACESTATE_HEADER]).toBe('a=1');
      const none: Record<string, string> = {};
      addTraceHeaders(none, message({}));
      addTraceHeaders(none, undefined);
      expect(none).toEqual({});
    });
  });

  describe('with an SDK registered after start-up', () => {
    beforeAll(() => {
      // The gate was consulted above with no SDK: registering now must still be seen.
      expect(activeOpenTelemetry()).toBeUndefined();
      // NodeTracerProvider.register(): the global provider and an AsyncLocalStorage context manager.
      new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }).register();
    });

    it('parents the server span on the inbound traceparent and injects the active span into outgoing headers', () => {
      const tracer = new ServerTracer('orders');
      const inbound = message({ [TRACEPARENT_HEADER]: INBOUND, [TRACESTATE_HEADER]: 'a=1' });
      const span = tracer.start(inbound)!;
      expect(span).toBeDefined();
      const headers = tracer.run(span, () => withMessage(inbound, () => outgoingHeaders(Date.now() + 1000)));
      tracer.end(span, false);
      const [finished] = exporter.getFinishedSpans();
      expect(finished.name).toBe('tcp orders.get');
      expect(finished.spanContext().traceId).toBe(INBOUND.slice(3, 35));
      expect(finished.parentSpanContext?.spanId).toBe(INBOUND.slice(36, 52));
      expect(finished.attributes).toMatchObject({ 'rpc.system': 'tcp', 'orion.pattern': 'orders.get', 'orion.service': 'orders' });
      expect(headers[TRACEPARENT_HEADER]).toBe(`00-${INBOUND.slice(3, 35)}-${finished.spanContext().spanId}-01`);
      expect(headers[TRACESTATE_HEADER]).toBe('a=1');
    });

    it('falls back to the message span when no context manager carries the active span', () => {
      const tracer = new ServerTracer();
      const inbound = message({ [TRACEPARENT_HEADER]: INBOUND });
      const span = tracer.start(inbound)!;
      const headers = context.with(ROOT_CONTEXT, () => withMessage(inbound, () => outgoingHeaders(Date.now() + 1000)));
      expect(headers[TRACEPARENT_HEADER]).toBe(`00-${span.spanContext().traceId}-${span.spanContext().spanId}-01`);
      tracer.end(span, true, new Error('boom'));
      const [finished] = exporter.getFinishedSpans();
      expect(finished.status.code).toBe(2);
      expect(finished.attributes['orion.error_code']).toBe('INTERNAL');
    });

    it('makes an event a CONSUMER span and a request a SERVER span', () => {
      const tracer = new ServerTracer();
      tracer.end(tracer.start(message({}, true))!, false);
      tracer.end(tracer.start(message({}))!, false);
      expect(exporter.getFinishedSpans().map((s) => s.kind)).toEqual([4, 1]);
    });

    it('turned off, makes no span and forwards the inbound values', () => {
      setTracingEnabled(false);
      const inbound = message({ [TRACEPARENT_HEADER]: INBOUND });
      expect(new ServerTracer().start(inbound)).toBeUndefined();
      expect(withMessage(inbound, () => outgoingHeaders(Date.now() + 1000))[TRACEPARENT_HEADER]).toBe(INBOUND);
    });
  });
});
