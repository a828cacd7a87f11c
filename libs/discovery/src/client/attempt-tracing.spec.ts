import { context, propagation, ProxyTracer, SpanKind, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ProtocolError, setTracingEnabled, TRACEPARENT_HEADER } from '@orion/protocols';
import { lastValueFrom, Observable } from 'rxjs';
import type { ServiceInstance } from '../registry/service-instance.interface';
import { attemptHeaders, attemptParent, endAttemptSpan, invokeInAttemptSpan, startAttemptSpan } from './attempt-tracing';
import type { TransportClient } from './transport-clients';

const instance = { id: 'orders-1' } as ServiceInstance;

describe('attempt spans', () => {
  const exporter = new InMemorySpanExporter();

  afterAll(() => {
    trace.disable();
    context.disable();
    propagation.disable();
    setTracingEnabled(true);
  });

  it('without an SDK: no parent, no span (nothing started on the global no-op tracer)', () => {
    const startSpan = jest.spyOn(ProxyTracer.prototype, 'startSpan');
    for (let i = 0; i < 100; i++) {
      expect(attemptParent()).toBeUndefined();
      expect(startAttemptSpan(undefined, 'orders', 'tcp', 'orders.get', instance, 1, false)).toBeUndefined();
    }
    expect(startSpan).not.toHaveBeenCalled();
    startSpan.mockRestore();
  });

  describe('with an SDK', () => {
    beforeAll(() => new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }).register());
    afterEach(() => exporter.reset());

    it('makes a CLIENT span under the active span, with its attributes, and puts it in the attempt headers', () => {
      const root = trace.getTracer('spec').startSpan('root');
      const parent = context.with(trace.setSpan(context.active(), root), () => attemptParent());
      const span = startAttemptSpan(parent, 'orders', 'tcp', 'orders.get', instance, 2, false)!;
      const headers = attemptHeaders(span, { 'x-correlation-id': 'c1' });
      expect(headers['x-correlation-id']).toBe('c1');
      expect(headers[TRACEPARENT_HEADER]).toBe(`00-${span.spanContext().traceId}-${span.spanContext().spanId}-01`);
      endAttemptSpan(span, 'failed', ProtocolError.unavailable('down'));
      const [finished] = exporter.getFinishedSpans();
      expect(finished.kind).toBe(SpanKind.CLIENT);
      expect(finished.name).toBe('tcp orders.get');
      expect(finished.parentSpanContext?.spanId).toBe(root.spanContext().spanId);
      expect(finished.attributes).toMatchObject({
        'orion.service': 'orders',
        'orion.instance.id': 'orders-1',
        'orion.attempt': 2,
        'orion.outcome': 'failed',
        'orion.error_code': 'UNAVAILABLE',
      });
      expect(finished.status.code).toBe(2);
    });

    it('makes a PRODUCER span for an emit, active both when the client is invoked and when it is subscribed', async () => {
      const span = startAttemptSpan(undefined, 'audit', 'mqtt', 'audit.log', instance, 1, true)!;
      const seen: Array<string | undefined> = [];
      const client = {} as TransportClient;
      const invoke = () => {
        seen.push(trace.getSpan(context.active())?.spanContext().spanId);
        return new Observable<unknown>((subscriber) => {
          seen.push(trace.getSpan(context.active())?.spanContext().spanId);
          subscriber.complete();
        });
      };
      const request = { pattern: 'audit.log', data: {}, headers: undefined, invoke, isPlainSend: false, isEvent: true };
      await lastValueFrom(invokeInAttemptSpan(span, request, client, 1000), { defaultValue: undefined });
      endAttemptSpan(span, 'served', undefined);
      expect(seen).toEqual([span.spanContext().spanId, span.spanContext().spanId]);
      expect(exporter.getFinishedSpans()[0].kind).toBe(SpanKind.PRODUCER);
    });

    it('turned off, makes none', () => {
      setTracingEnabled(false);
      expect(startAttemptSpan(undefined, 'orders', 'tcp', 'orders.get', instance, 1, false)).toBeUndefined();
      setTracingEnabled(true);
    });
  });
});
