import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportSpans } from '../../../test/export-spans';
import {
  OTLP_MAX_ATTRIBUTES,
  OTLP_MAX_NAME_LENGTH,
  OTLP_MAX_SPANS_PER_REQUEST,
  OTLP_MAX_VALUE_LENGTH,
  parseOtlpTraces,
  type ParsedExport,
} from './otlp-json.parser';

const TRACE = '0af7651916cd43dd8448eb211c80319c';
const SPAN = 'b7ad6b7169203331';
const PARENT = '00f067aa0ba902b7';

const span = (extra: Record<string, unknown> = {}) => ({
  traceId: TRACE,
  spanId: SPAN,
  parentSpanId: PARENT,
  name: 'tcp orders.create',
  kind: 2,
  startTimeUnixNano: '1700000000000000000',
  endTimeUnixNano: '1700000000002500000',
  attributes: [{ key: 'orion.protocol', value: { stringValue: 'tcp' } }],
  status: { code: 0 },
  ...extra,
});
const request = (spans: unknown[], service = 'orders') => ({
  resourceSpans: [
    {
      resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
      scopeSpans: [{ scope: { name: 'test' }, spans }],
    },
  ],
});
const parsed = (body: unknown): ParsedExport => {
  const result = parseOtlpTraces(body);
  if (typeof result === 'string') throw new Error(`refused: ${result}`);
  return result;
};

describe('parseOtlpTraces', () => {
  describe('what @opentelemetry/exporter-trace-otlp-http really sends', () => {
    let server: Server;
    const posted: Array<{ headers: IncomingHttpHeaders; body: string }> = [];

    beforeAll(async () => {
      server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (chunk: Buffer) => chunks.push(chunk));
        req.on('end', () => {
          posted.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
          res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        });
      });
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
    });

    afterAll(() => server.close());

    it('should read the exporter JSON: ids, parent, service, instance, times, status and attributes', async () => {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`;
      // The real exporter, in a process of its own, configured by the standard variables only.
      const ids = await exportSpans(
        { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: url, OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'x-test=1' },
        'gateway',
        'gateway-1-42',
      );

      // JSON over HTTP, not protobuf, in this exporter version; headers from the environment.
      expect(posted[0].headers['content-type']).toBe('application/json');
      expect(posted[0].headers['x-test']).toBe('1');
      const spans = posted.flatMap((p) => parsed(JSON.parse(p.body)).spans);
      const r = spans.find((s) => s.spanId === ids.rootSpanId)!;
      const c = spans.find((s) => s.spanId === ids.childSpanId)!;
      expect(r).toMatchObject({
        traceId: ids.traceId,
        name: 'http POST /api/orders',
        kind: 'server',
        service: 'gateway',
        instance: 'gateway-1-42',
        status: 'unset',
        attributes: { 'orion.protocol': 'http' },
      });
      expect(r.parentSpanId).toBeUndefined();
      expect(c).toMatchObject({
        traceId: ids.traceId,
        parentSpanId: ids.rootSpanId,
        kind: 'client',
        status: 'error',
        statusMessage: 'UNAVAILABLE',
        attributes: { 'orion.attempt': 1, 'orion.ok': false, ratio: 0.5, 'orion.instance.id': 'orders-2-99' },
      });
      expect(r.startMs).toBeGreaterThan(Date.UTC(2020, 0));
      expect(c.startMs).toBeGreaterThanOrEqual(r.startMs);
      expect(c.durationMs).toBeGreaterThanOrEqual(0);
    }, 60_000);
  });

  it('should convert nanoseconds to ms with µs precision, from strings and numbers', () => {
    const [a, b] = parsed(request([span(), span({ spanId: PARENT, startTimeUnixNano: 1_000_000, endTimeUnixNano: 3_500_000 })])).spans;
    expect(a.startMs).toBe(1_700_000_000_000);
    expect(a.durationMs).toBe(2.5);
    expect(b).toMatchObject({ startMs: 1, durationMs: 2.5 });
  });

  it('should show a span that ends before it starts as instant', () => {
    expect(parsed(request([span({ endTimeUnixNano: '1' })])).spans[0].durationMs).toBe(0);
  });

  it.each([
    ['bad-id', { traceId: 'zz' }],
    ['bad-id', { traceId: '0'.repeat(32) }],
    ['bad-id', { traceId: TRACE + '00' }],
    ['bad-id', { spanId: 'b7ad6b716920333' }],
    ['bad-id', { spanId: 42 }],
    ['bad-id', { parentSpanId: 'not-hex-at-all!' }],
    ['bad-time', { startTimeUnixNano: '-1' }],
    ['bad-time', { startTimeUnixNano: '0' }],
    ['bad-time', { startTimeUnixNano: '1e9' }],
    ['bad-time', { endTimeUnixNano: '99999999999999999999' }],
    ['bad-time', { endTimeUnixNano: 1.5 }],
    ['bad-time', { endTimeUnixNano: undefined }],
  ])('should refuse a span as %s (case %#) and keep the others', (reason, change) => {
    const result = parsed(request([span(change), span({ spanId: PARENT, parentSpanId: '' })]));
    expect(result.refused).toEqual({ [reason]: 1 });
    expect(result.spans.map((s) => s.spanId)).toEqual([PARENT]);
  });

  it('should take upper-case hex ids as lower-case and an empty parent as a root', () => {
    const [s] = parsed(request([span({ traceId: TRACE.toUpperCase(), parentSpanId: '' })])).spans;
    expect(s.traceId).toBe(TRACE);
    expect(s.parentSpanId).toBeUndefined();
  });

  it('should refuse spans over the per-request limit', () => {
    const spans = Array.from({ length: OTLP_MAX_SPANS_PER_REQUEST + 5 }, (_, i) =>
      span({ spanId: (i + 1).toString(16).padStart(16, '0') }),
    );
    const result = parsed({ resourceSpans: [request(spans.slice(0, 10)).resourceSpans[0], request(spans.slice(10)).resourceSpans[0]] });
    expect(result.spans).toHaveLength(OTLP_MAX_SPANS_PER_REQUEST);
    expect(result.refused).toEqual({ 'over-request-limit': 5 });
  });

  it('should cut names and values, replace control characters and keep few scalar attributes', () => {
    const attributes = [
      { key: 'nested', value: { kvlistValue: { values: [] } } },
      { key: 'list', value: { arrayValue: { values: [{ stringValue: 'x' }] } } },
      { key: 'big', value: { intValue: '12345678901' } },
      { key: 'bad-int', value: { intValue: '12abc' } },
      { key: 'nan', value: { doubleValue: 'NaN' } },
      { key: 'long', value: { stringValue: 'v'.repeat(10_000) } },
      { key: '__proto__', value: { stringValue: 'polluted?' } },
      ...Array.from({ length: 100 }, (_, i) => ({ key: `k${i}`, value: { boolValue: true } })),
    ];
    const [s] = parsed(request([span({ name: `\u001b[2J${'n'.repeat(1000)}`, attributes })], 'x'.repeat(500))).spans;
    expect(s.name).toHaveLength(OTLP_MAX_NAME_LENGTH);
    expect(s.name.startsWith('\uFFFD[2J')).toBe(true);
    expect(s.service).toHaveLength(OTLP_MAX_NAME_LENGTH);
    expect(Object.keys(s.attributes)).toHaveLength(OTLP_MAX_ATTRIBUTES);
    expect(s.attributes).toMatchObject({ big: 12345678901, k0: true });
    expect(s.attributes).not.toHaveProperty('nested');
    expect(s.attributes).not.toHaveProperty('bad-int');
    expect(s.attributes.long).toHaveLength(OTLP_MAX_VALUE_LENGTH);
    expect(Object.getPrototypeOf(s.attributes)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('should name a process without service.name unknown_service and read odd kinds as unspecified', () => {
    const [s] = parsed({ resourceSpans: [{ scopeSpans: [{ spans: [span({ kind: 99 })] }] }] }).spans;
    expect(s).toMatchObject({ service: 'unknown_service', kind: 'unspecified' });
    expect(s.instance).toBeUndefined();
  });

  it.each([
    ['not-an-object', null],
    ['not-an-object', 'resourceSpans'],
    ['not-an-object', [request([span()])]],
    ['no-resource-spans', {}],
    ['no-resource-spans', { resourceSpans: {} }],
  ])('should refuse a request as %s (case %#)', (reason, body) => {
    expect(parseOtlpTraces(body)).toBe(reason);
  });

  it('should skip junk entries at every level without failing', () => {
    const body = { resourceSpans: [null, 1, { scopeSpans: 'x' }, { scopeSpans: [null, { spans: [null, 'x', span()] }] }] };
    const result = parsed(body);
    expect(result.spans).toHaveLength(1);
    expect(result.refused).toEqual({ 'bad-id': 2 });
  });
});
