// The gateway's OTLP/HTTP trace receiver (`POST /v1/traces`) on a real HTTP listener: the
// standard exporter in a child process posts to it (plain and gzip), and hostile callers
// get clear refusals (token, origin, media type, junk, size, span count) without the
// receiver failing or keeping more than its bounds.
import 'reflect-metadata';
import { request } from 'node:http';
import { gzipSync } from 'node:zlib';
import type { INestApplication } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { ProtocolsModule, startProtocols } from '@orion/protocols';
import { exportSpans } from '../apps/mesh/test/export-spans';
import { SameOriginGuard } from '../apps/mesh/src/gateway/same-origin.guard';
import { OTLP_MAX_SPANS_PER_REQUEST } from '../apps/mesh/src/gateway/traces/otlp-json.parser';
import { TraceStore, type TraceDetail, type TraceStoreStats, type TraceSummary } from '../apps/mesh/src/gateway/traces/trace.store';
import { TracesController } from '../apps/mesh/src/gateway/traces/traces.controller';
import { MESH_ENV } from '../apps/mesh/src/shared/mesh-env';
import { OTLP_TOKEN_HEADER } from '../apps/mesh/src/shared/mesh.constants';

const TOKEN = 'test-token-0123456789';
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';

const span = (n: number, trace = TRACE) => ({
  traceId: trace,
  spanId: (n + 1).toString(16).padStart(16, '0'),
  name: `span ${n}`,
  startTimeUnixNano: '1700000000000000000',
  endTimeUnixNano: '1700000000001000000',
});
const exportRequest = (spans: unknown[]) => ({
  resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'forger' } }] }, scopeSpans: [{ spans }] }],
});

describe('OTLP receiver of the gateway', () => {
  let app: INestApplication;
  let url: string;

  /** node:http rather than fetch: fetch may not set `Host`. */
  const post = (body: string | Buffer, headers: Record<string, string> = {}) =>
    new Promise<{ status: number; json: () => Promise<unknown> }>((resolve, reject) => {
      const all: Record<string, string> = { 'content-type': 'application/json', [OTLP_TOKEN_HEADER]: TOKEN, ...headers };
      for (const [key, value] of Object.entries(all)) if (value === '') delete all[key];
      const req = request(`${url}/v1/traces`, { method: 'POST', headers: all }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode!, json: async () => JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown }),
        );
        res.on('error', reject);
      });
      // The server may answer and close before reading a refused body.
      req.on('error', reject);
      req.end(body);
    });
  const listed = async () => (await (await fetch(`${url}/api/traces`)).json()) as { traces: TraceSummary[]; stats: TraceStoreStats };

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [ProtocolsModule.forRoot({ serviceName: 'gateway', http: {} })],
      controllers: [TracesController],
      providers: [TraceStore, { provide: MESH_ENV, useValue: { otlpToken: TOKEN } }, { provide: APP_GUARD, useClass: SameOriginGuard }],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    url = (await startProtocols(app)).http!.url;
  });

  afterAll(async () => {
    await app?.close();
  });

  it.each([
    ['plain JSON', {}],
    ['gzip', { OTEL_EXPORTER_OTLP_TRACES_COMPRESSION: 'gzip' }],
  ])(
    'should take the standard exporter (%s) and show its trace, parented and labelled',
    async (_, extra) => {
      const ids = await exportSpans(
        {
          OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${url}/v1/traces`,
          OTEL_EXPORTER_OTLP_TRACES_HEADERS: `${OTLP_TOKEN_HEADER}=${TOKEN}`,
          ...extra,
        },
        'gateway',
        'gateway-1-7',
      );
      expect((await listed()).traces[0]).toMatchObject({
        traceId: ids.traceId,
        name: 'http POST /api/orders',
        spanCount: 2,
        hasError: true,
      });
      const detail = (await (await fetch(`${url}/api/traces/${ids.traceId}`)).json()) as TraceDetail;
      expect(detail.spans.map((s) => [s.spanId, s.depth, s.service, s.protocol, s.targetInstance])).toEqual([
        [ids.rootSpanId, 0, 'gateway', 'http', 'gateway-1-7'],
        [ids.childSpanId, 1, 'gateway', 'tcp', 'orders-2-99'],
      ]);
    },
    60_000,
  );

  it.each([
    ['no token', { [OTLP_TOKEN_HEADER]: '' }, 403],
    ['a wrong token', { [OTLP_TOKEN_HEADER]: TOKEN.replace('0', '1') }, 403],
    ['a page of another origin', { origin: 'https://evil.example' }, 403],
    ['a DNS-rebinding host', { host: 'evil.example' }, 403],
    ['protobuf', { 'content-type': 'application/x-protobuf' }, 415],
    ['no content type', { 'content-type': '' }, 415],
  ])('should refuse %s', async (_, headers, status) => {
    const before = (await listed()).stats.acceptedSpans;
    const response = await post(JSON.stringify(exportRequest([span(1)])), headers);
    expect(response.status).toBe(status);
    expect(((await response.json()) as { message: string }).message).toEqual(expect.any(String));
    expect((await listed()).stats.acceptedSpans).toBe(before);
  });

  it.each([
    ['not JSON', 400, '{"resourceSpans": ['],
    ['JSON that is no export request', 400, '{"resourceSpans": "all of them"}'],
    ['a JSON array', 400, '[1,2,3]'],
    ['a body over 1 MiB', 413, JSON.stringify(exportRequest([{ name: 'x'.repeat(1_100_000) }]))],
  ])('should answer %s with %s', async (_, status, body) => {
    expect((await post(body)).status).toBe(status);
  });

  it('should refuse a gzip body that inflates past 1 MiB (a zip bomb)', async () => {
    const bomb = gzipSync(Buffer.from(JSON.stringify(exportRequest([{ name: ' '.repeat(20_000_000) }]))));
    expect(bomb.length).toBeLessThan(100_000);
    expect((await post(bomb, { 'content-encoding': 'gzip' })).status).toBe(413);
  });

  it('should keep what passes of a hostile request and say how many spans it refused', async () => {
    const trace = 'a'.repeat(32);
    const spans = [
      ...Array.from({ length: OTLP_MAX_SPANS_PER_REQUEST + 10 }, (_, i) => span(i, trace)),
      { ...span(0, trace), traceId: 'zz' },
    ];
    // The spans past the per-request limit include the one with the bad id: it is never read.
    spans.splice(3, 0, { ...span(5000, trace), spanId: 'nothex' }, { ...span(5001, trace), startTimeUnixNano: 'soon' });
    const before = (await listed()).stats;
    const response = await post(JSON.stringify(exportRequest(spans)));
    expect(response.status).toBe(200);
    const body = (await response.json()) as { partialSuccess: { rejectedSpans: number; errorMessage: string } };
    const stats = (await listed()).stats;
    const kept = stats.acceptedSpans - before.acceptedSpans;
    // 200 spans per trace are kept, the rest of the trace is over its limit.
    expect(kept).toBe(200);
    expect(body.partialSuccess.rejectedSpans).toBe(spans.length - kept);
    expect(body.partialSuccess.errorMessage).toContain('bad-id');
    expect(stats.droppedSpans['over-request-limit']! - (before.droppedSpans['over-request-limit'] ?? 0)).toBe(
      spans.length - OTLP_MAX_SPANS_PER_REQUEST,
    );
    const detail = (await (await fetch(`${url}/api/traces/${trace}`)).json()) as TraceDetail;
    expect(detail).toMatchObject({ spanCount: 200, droppedSpans: OTLP_MAX_SPANS_PER_REQUEST - 2 - 200 });
  });

  it("should leave the gateway's own mesh.telemetry handling out of the list", async () => {
    const trace = 'c'.repeat(32);
    const telemetry = { ...span(1, trace), attributes: [{ key: 'orion.pattern', value: { stringValue: 'mesh.telemetry' } }] };
    expect((await post(JSON.stringify(exportRequest([telemetry])))).status).toBe(200);
    expect((await listed()).traces.map((t) => t.traceId)).not.toContain(trace);
    expect((await fetch(`${url}/api/traces/${trace}`)).status).toBe(404);
  });

  it('should answer an empty export with an empty success', async () => {
    const response = await post(JSON.stringify({ resourceSpans: [] }));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({});
  });

  it.each([
    ['not a trace id', 'nothex', 400],
    ['an unknown trace', 'f'.repeat(32), 404],
  ])('should answer a trace lookup of %s with %s', async (_, id, status) => {
    expect((await fetch(`${url}/api/traces/${id}`)).status).toBe(status);
  });
});
