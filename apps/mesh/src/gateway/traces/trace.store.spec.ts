import type { TraceSpan } from './otlp-json.parser';
import { TRACE_STORE_MAX_SPANS, TRACE_STORE_MAX_TRACES, TraceStore } from './trace.store';

const traceId = (n: number) => n.toString(16).padStart(32, '0');
const spanId = (n: number) => n.toString(16).padStart(16, '0');

function span(trace: number, id: number, parent: number | undefined, extra: Partial<TraceSpan> = {}): TraceSpan {
  return {
    traceId: traceId(trace),
    spanId: spanId(id),
    ...(parent === undefined ? {} : { parentSpanId: spanId(parent) }),
    name: `span ${id}`,
    kind: 'internal',
    service: 'orders',
    startMs: 1000 + id,
    durationMs: 10,
    status: 'unset',
    attributes: {},
    ...extra,
  };
}

describe('TraceStore', () => {
  describe('get', () => {
    it('should order spans depth-first from the root, children by start time, with depths', () => {
      const store = new TraceStore();
      // Arrival order differs from start order: the exporters flush on their own schedule.
      store.add([span(1, 4, 2), span(1, 3, 1, { startMs: 1010 }), span(1, 2, 1), span(1, 1, undefined)]);
      const detail = store.get(traceId(1))!;
      expect(detail.spans.map((s) => [s.spanId, s.depth])).toEqual([
        [spanId(1), 0],
        [spanId(2), 1],
        [spanId(4), 2],
        [spanId(3), 1],
      ]);
      expect(detail).toMatchObject({ name: 'span 1', spanCount: 4, startMs: 1001, durationMs: 19, droppedSpans: 0 });
    });

    it('should take a span whose parent is not in the trace as a root (a caller outside the mesh)', () => {
      const store = new TraceStore();
      store.add([span(1, 2, 99), span(1, 3, 2)]);
      expect(store.get(traceId(1))!.spans.map((s) => s.depth)).toEqual([0, 1]);
      expect(store.list()[0].name).toBe('span 2');
    });

    it('should still list every span of a forged parent cycle, once', () => {
      const store = new TraceStore();
      store.add([span(1, 1, 2), span(1, 2, 1), span(1, 3, 3)]);
      expect(
        store
          .get(traceId(1))!
          .spans.map((s) => s.spanId)
          .sort(),
      ).toEqual([spanId(1), spanId(2), spanId(3)]);
    });

    it('should label protocol and instance from the attributes, or from the span name and resource', () => {
      const store = new TraceStore();
      store.add([
        span(1, 1, undefined, { name: 'http POST /api/orders', kind: 'server', instance: 'gateway-1' }),
        span(1, 2, 1, { name: 'orders.create', kind: 'client', attributes: { 'orion.protocol': 'tcp', 'orion.instance.id': 'orders-2' } }),
        span(1, 3, 1, { name: 'something else', kind: 'client' }),
      ]);
      const [server, client, other] = store.get(traceId(1))!.spans;
      expect(server).toMatchObject({ protocol: 'http', targetInstance: 'gateway-1' });
      expect(client).toMatchObject({ protocol: 'tcp', targetInstance: 'orders-2' });
      expect(other.protocol).toBeUndefined();
      expect(other.targetInstance).toBeUndefined();
    });

    it('should know no other trace', () => {
      expect(new TraceStore().get(traceId(1))).toBeUndefined();
    });
  });

  describe('add', () => {
    it('should keep the most recently updated traces, at most TRACE_STORE_MAX_TRACES', () => {
      const store = new TraceStore();
      for (let t = 1; t <= TRACE_STORE_MAX_TRACES; t++) store.add([span(t, 1, undefined)]);
      // Trace 1 gets a span late: it is now the newest, and trace 2 the oldest.
      store.add([span(1, 2, 1)]);
      store.add([span(TRACE_STORE_MAX_TRACES + 1, 1, undefined)]);
      const listed = store.list().map((t) => t.traceId);
      expect(listed).toHaveLength(TRACE_STORE_MAX_TRACES);
      expect(listed.slice(0, 2)).toEqual([traceId(TRACE_STORE_MAX_TRACES + 1), traceId(1)]);
      expect(listed).not.toContain(traceId(2));
      expect(store.stats().traces).toBe(TRACE_STORE_MAX_TRACES);
    });

    it('should keep at most TRACE_STORE_MAX_SPANS per trace and count duplicates and the rest', () => {
      const store = new TraceStore();
      const spans = Array.from({ length: TRACE_STORE_MAX_SPANS + 7 }, (_, i) => span(1, i + 1, undefined));
      expect(store.add(spans)).toBe(TRACE_STORE_MAX_SPANS);
      expect(store.add([span(1, 1, undefined)])).toBe(0);
      store.countRefused({ 'bad-id': 3 });
      expect(store.get(traceId(1))).toMatchObject({ spanCount: TRACE_STORE_MAX_SPANS, droppedSpans: 7 });
      expect(store.stats()).toEqual({
        acceptedSpans: TRACE_STORE_MAX_SPANS,
        droppedSpans: { 'trace-full': 7, duplicate: 1, 'bad-id': 3 },
        traces: 1,
      });
    });
  });

  describe('list', () => {
    it('should summarise: services in order, error flag', () => {
      const store = new TraceStore();
      store.add([
        span(1, 1, undefined, { service: 'gateway' }),
        span(1, 2, 1, { service: 'orders' }),
        span(1, 3, 2, { service: 'inventory', status: 'error' }),
        span(1, 4, 2, { service: 'orders' }),
      ]);
      expect(store.list()).toEqual([
        expect.objectContaining({ service: 'gateway', services: ['gateway', 'orders', 'inventory'], hasError: true, spanCount: 4 }),
      ]);
    });
  });
});
