/**
 * Reads the JSON encoding of an OTLP `ExportTraceServiceRequest` (what
 * `@opentelemetry/exporter-trace-otlp-http` posts) into the spans the dashboard draws.
 * Whoever posts it, what comes out is bounded and typed: at most
 * `OTLP_MAX_SPANS_PER_REQUEST` spans, ids checked as lower-case hex of the right length,
 * names and attribute values cut to a few hundred characters without control characters,
 * a few scalar attributes per span. A span that does not pass is counted, not kept.
 */

/** Spans read from one request; the rest is counted as refused (BatchSpanProcessor sends at most 512 by default). */
export const OTLP_MAX_SPANS_PER_REQUEST = 1024;
/** Scalar attributes kept per span (and per resource); the first ones, in the order sent. */
export const OTLP_MAX_ATTRIBUTES = 24;
/** Longest span name, service or instance name kept. */
export const OTLP_MAX_NAME_LENGTH = 128;
/** Longest attribute key and string value kept. */
export const OTLP_MAX_KEY_LENGTH = 64;
export const OTLP_MAX_VALUE_LENGTH = 256;

const TRACE_ID = /^[0-9a-f]{32}$/;
const SPAN_ID = /^[0-9a-f]{16}$/;
const ZERO_ID = /^0+$/;
const NANOS = /^\d{1,20}$/;
const MAX_NANOS = 2n ** 64n - 1n;
// eslint-disable-next-line no-control-regex -- control characters are exactly what is replaced
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;
const SPAN_KINDS = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'] as const;

export type SpanKindName = (typeof SPAN_KINDS)[number];
export type SpanStatusName = 'unset' | 'ok' | 'error';
export type AttributeValue = string | number | boolean;

/** One span as the gateway keeps it. Times in ms since the epoch (µs precision). */
export interface TraceSpan {
  traceId: string;
  spanId: string;
  /** Absent for a root span. */
  parentSpanId?: string;
  name: string;
  kind: SpanKindName;
  /** The exporting process's `service.name` resource attribute (`unknown_service` when missing). */
  service: string;
  /** Its `service.instance.id` resource attribute, when set (the demo sets the instance id). */
  instance?: string;
  startMs: number;
  durationMs: number;
  status: SpanStatusName;
  statusMessage?: string;
  attributes: Record<string, AttributeValue>;
}

/** Why a span was not kept. */
export type SpanRefusal = 'bad-id' | 'bad-time' | 'over-request-limit';
/** Why a whole request was refused. */
export type OtlpRefusal = 'not-an-object' | 'no-resource-spans';

export interface ParsedExport {
  spans: TraceSpan[];
  refused: Partial<Record<SpanRefusal, number>>;
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const array = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/** A string fit to show: control characters replaced, cut to `max` characters. */
export function cleanText(value: string, max: number): string {
  const cut = value.length > max ? `${value.slice(0, max - 1)}…` : value;
  return cut.replace(CONTROL, '\uFFFD');
}

/** The request's spans, or why it is refused as a whole. */
export function parseOtlpTraces(body: unknown): ParsedExport | OtlpRefusal {
  if (!isObject(body)) return 'not-an-object';
  if (!Array.isArray(body.resourceSpans)) return 'no-resource-spans';
  const result: ParsedExport = { spans: [], refused: {} };
  const refuse = (reason: SpanRefusal, n = 1) => (result.refused[reason] = (result.refused[reason] ?? 0) + n);
  let seen = 0;
  for (const resourceSpans of body.resourceSpans) {
    if (!isObject(resourceSpans)) continue;
    const resource = readAttributes(isObject(resourceSpans.resource) ? resourceSpans.resource.attributes : undefined);
    const service = textAttribute(resource['service.name'], OTLP_MAX_NAME_LENGTH) ?? 'unknown_service';
    const instance = textAttribute(resource['service.instance.id'], OTLP_MAX_NAME_LENGTH);
    for (const scopeSpans of array(resourceSpans.scopeSpans)) {
      if (!isObject(scopeSpans)) continue;
      const spans = array(scopeSpans.spans);
      const room = OTLP_MAX_SPANS_PER_REQUEST - seen;
      if (spans.length > room) refuse('over-request-limit', spans.length - Math.max(room, 0));
      for (const raw of spans.slice(0, Math.max(room, 0))) {
        seen++;
        const span = readSpan(raw, service, instance);
        if (typeof span === 'string') refuse(span);
        else result.spans.push(span);
      }
    }
  }
  return result;
}

function readSpan(raw: unknown, service: string, instance: string | undefined): TraceSpan | SpanRefusal {
  if (!isObject(raw)) return 'bad-id';
  const traceId = hexId(raw.traceId, TRACE_ID);
  const spanId = hexId(raw.spanId, SPAN_ID);
  // An empty parent id is how OTLP/JSON says "root".
  const hasParent = raw.parentSpanId !== undefined && raw.parentSpanId !== '' && raw.parentSpanId !== null;
  const parentSpanId = hasParent ? hexId(raw.parentSpanId, SPAN_ID) : undefined;
  if (!traceId || !spanId || (hasParent && !parentSpanId)) return 'bad-id';
  const start = nanos(raw.startTimeUnixNano);
  const end = nanos(raw.endTimeUnixNano);
  if (start === undefined || end === undefined || start === 0n) return 'bad-time';
  const status = isObject(raw.status) ? raw.status : {};
  const statusMessage =
    typeof status.message === 'string' && status.message !== '' ? cleanText(status.message, OTLP_MAX_VALUE_LENGTH) : undefined;
  return {
    traceId,
    spanId,
    ...(parentSpanId ? { parentSpanId } : {}),
    name: typeof raw.name === 'string' && raw.name !== '' ? cleanText(raw.name, OTLP_MAX_NAME_LENGTH) : '(unnamed)',
    kind: SPAN_KINDS[
      typeof raw.kind === 'number' && Number.isInteger(raw.kind) && raw.kind >= 0 && raw.kind < SPAN_KINDS.length ? raw.kind : 0
    ],
    service,
    ...(instance ? { instance } : {}),
    startMs: toMs(start),
    // A clock step during the span can make it end "before" it started: show it as instant.
    durationMs: end > start ? toMs(end - start) : 0,
    status: status.code === 2 ? 'error' : status.code === 1 ? 'ok' : 'unset',
    ...(statusMessage ? { statusMessage } : {}),
    attributes: readAttributes(raw.attributes),
  };
}

function hexId(value: unknown, pattern: RegExp): string | undefined {
  if (typeof value !== 'string') return undefined;
  const id = value.toLowerCase();
  return pattern.test(id) && !ZERO_ID.test(id) ? id : undefined;
}

/** A fixed64 of nanoseconds: a decimal string (the exporter's form) or a safe integer. */
function nanos(value: unknown): bigint | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? BigInt(value) : undefined;
  if (typeof value !== 'string' || !NANOS.test(value)) return undefined;
  const n = BigInt(value);
  return n <= MAX_NANOS ? n : undefined;
}

const toMs = (ns: bigint): number => Number(ns / 1000n) / 1000;

/** The first `OTLP_MAX_ATTRIBUTES` scalar attributes (string, bool, int, double), cleaned. */
function readAttributes(raw: unknown): Record<string, AttributeValue> {
  const attributes: Record<string, AttributeValue> = Object.create(null) as Record<string, AttributeValue>;
  let kept = 0;
  for (const entry of array(raw)) {
    if (kept >= OTLP_MAX_ATTRIBUTES) break;
    if (!isObject(entry) || typeof entry.key !== 'string' || entry.key === '' || !isObject(entry.value)) continue;
    const value = scalar(entry.value);
    if (value === undefined) continue;
    attributes[cleanText(entry.key, OTLP_MAX_KEY_LENGTH)] = value;
    kept++;
  }
  // A plain object again: what leaves here is serialised to JSON and read by the page.
  return { ...attributes };
}

function scalar(value: Json): AttributeValue | undefined {
  if (typeof value.stringValue === 'string') return cleanText(value.stringValue, OTLP_MAX_VALUE_LENGTH);
  if (typeof value.boolValue === 'boolean') return value.boolValue;
  if (typeof value.doubleValue === 'number' && Number.isFinite(value.doubleValue)) return value.doubleValue;
  // int64 comes as a number or a decimal string.
  if (typeof value.intValue === 'number' && Number.isFinite(value.intValue)) return Math.trunc(value.intValue);
  if (typeof value.intValue === 'string' && /^-?\d{1,20}$/.test(value.intValue)) return Number(value.intValue);
  return undefined;
}

function textAttribute(value: AttributeValue | undefined, max: number): string | undefined {
  return typeof value === 'string' && value !== '' ? cleanText(value, max) : undefined;
}
