import { timingSafeEqual } from 'node:crypto';
import { Body, Controller, Get, Header, Headers, HttpCode, Inject, Logger, Param, Post, Res, UseFilters } from '@nestjs/common';
import type { Response } from 'express';
import { ProtocolError, ProtocolExceptionFilter } from '@orion/protocols';
import { MESH_ENV, type MeshEnv } from '../../shared/mesh-env';
import { OTLP_TOKEN_HEADER, TELEMETRY_EVENT } from '../../shared/mesh.constants';
import { parseOtlpTraces, type SpanRefusal } from './otlp-json.parser';
import { TraceStore, type TraceDetail, type TraceStoreStats, type TraceSummary } from './trace.store';

const TRACE_ID = /^[0-9a-f]{32}$/;
/** One log line per refusal reason at most this often. */
const LOG_EVERY_MS = 30_000;

/** OTLP/HTTP's answer: empty on full success, `partialSuccess` when spans were refused. */
export interface ExportTraceServiceResponse {
  partialSuccess?: { rejectedSpans: number; errorMessage: string };
}

/**
 * The gateway's OTLP/HTTP trace receiver and what the dashboard reads of it.
 *
 * - `POST /v1/traces`: OTLP/HTTP with the JSON encoding (`application/json`, optionally
 *   gzip: what `@opentelemetry/exporter-trace-otlp-http` sends). Protobuf gets 415. Bounded
 *   like every input of the gateway: the body by the HTTP listener's limit (1 MiB, also
 *   after gzip), the spans by `parseOtlpTraces`, the memory by `TraceStore`. When the
 *   launcher started the gateway it also requires the launcher's token header, so only mesh
 *   processes can post; state-changing requests from a browser on another origin are
 *   refused by `SameOriginGuard`, like every POST of the gateway.
 * - `GET /api/traces` (recent traces, newest first) and `GET /api/traces/:traceId`.
 *
 * Plain Nest routes, not `@Endpoint`s: an endpoint would trace itself, and every export
 * or dashboard poll would add a trace of its own.
 */
@Controller()
@UseFilters(ProtocolExceptionFilter)
export class TracesController {
  private readonly logger = new Logger('Traces');
  private readonly loggedAt = new Map<string, number>();
  private readonly token?: Buffer;

  constructor(
    private readonly store: TraceStore,
    @Inject(MESH_ENV) env: MeshEnv,
  ) {
    this.token = env.otlpToken ? Buffer.from(env.otlpToken) : undefined;
  }

  @Post('v1/traces')
  @HttpCode(200)
  receive(
    @Headers('content-type') contentType: string | undefined,
    @Headers(OTLP_TOKEN_HEADER) token: string | undefined,
    @Body() body: unknown,
    @Res({ passthrough: true }) response: Response,
  ): ExportTraceServiceResponse | { message: string } {
    if (!this.isTokenValid(token)) throw new ProtocolError('PERMISSION_DENIED', `OTLP export without a valid ${OTLP_TOKEN_HEADER} header`);
    if (!isJson(contentType)) {
      this.logRefusal('unsupported-media-type', contentType);
      response.status(415);
      return { message: 'this receiver takes OTLP/HTTP JSON only (content-type: application/json), not protobuf' };
    }
    const parsed = parseOtlpTraces(body);
    if (typeof parsed === 'string') {
      this.logRefusal(parsed, contentType);
      throw ProtocolError.invalidArgument(`not an OTLP ExportTraceServiceRequest (${parsed})`);
    }
    this.store.countRefused(parsed.refused);
    // NOTE: the gateway's handling of every instance's `mesh.telemetry` (one trace per 2 s
    // each) is dashboard plumbing: left out, or it would push real requests off the list.
    const spans = parsed.spans.filter((span) => span.attributes['orion.pattern'] !== TELEMETRY_EVENT);
    const kept = this.store.add(spans);
    const rejected = spans.length - kept + sum(parsed.refused);
    if (rejected === 0) return {};
    return { partialSuccess: { rejectedSpans: rejected, errorMessage: describeRefusals(parsed.refused, spans.length - kept) } };
  }

  @Get('api/traces')
  @Header('cache-control', 'no-store')
  list(): { traces: TraceSummary[]; stats: TraceStoreStats } {
    return { traces: this.store.list(), stats: this.store.stats() };
  }

  @Get('api/traces/:traceId')
  @Header('cache-control', 'no-store')
  get(@Param('traceId') traceId: string): TraceDetail {
    if (!TRACE_ID.test(traceId)) throw ProtocolError.invalidArgument('a trace id is 32 lower-case hex digits');
    const trace = this.store.get(traceId);
    if (!trace) throw ProtocolError.notFound(`no trace ${traceId} among the recent ones`);
    return trace;
  }

  private isTokenValid(token: string | undefined): boolean {
    if (!this.token) return true;
    const given = Buffer.from(token ?? '');
    return given.length === this.token.length && timingSafeEqual(given, this.token);
  }

  private logRefusal(reason: string, contentType: string | undefined): void {
    const now = Date.now();
    if (now - (this.loggedAt.get(reason) ?? -Infinity) < LOG_EVERY_MS) return;
    this.loggedAt.set(reason, now);
    this.logger.warn(`refused an OTLP export (${reason}, content-type ${JSON.stringify(contentType ?? null)})`);
  }
}

function isJson(contentType: string | undefined): boolean {
  return contentType?.split(';', 1)[0].trim().toLowerCase() === 'application/json';
}

const sum = (counts: Partial<Record<string, number>>): number => Object.values(counts).reduce<number>((a, n) => a + (n ?? 0), 0);

function describeRefusals(refused: Partial<Record<SpanRefusal, number>>, notStored: number): string {
  const parts = Object.entries(refused).map(([reason, n]) => `${n} ${reason}`);
  if (notStored > 0) parts.push(`${notStored} over the per-trace limit or duplicate`);
  return `spans refused: ${parts.join(', ')}`;
}
