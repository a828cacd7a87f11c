import { Injectable } from '@nestjs/common';
import type { AttributeValue, SpanRefusal, TraceSpan } from './otlp-json.parser';

/** Traces kept: the most recently updated ones. */
export const TRACE_STORE_MAX_TRACES = 50;
/** Spans kept per trace; later ones are counted as dropped. */
export const TRACE_STORE_MAX_SPANS = 200;
/** Services named in a trace's summary. */
const MAX_SUMMARY_SERVICES = 8;

/** Attribute keys that name a span's protocol, in order of preference (the first one set wins). */
const PROTOCOL_KEYS = ['orion.protocol', 'rpc.system', 'network.protocol.name', 'messaging.system'];
/** Attribute keys that name the instance a client attempt went to (a server span: its own process). */
const TARGET_INSTANCE_KEYS = ['orion.instance.id'];
const PROTOCOLS = new Set(['http', 'ws', 'grpc', 'tcp', 'udp', 'mqtt']);

export type TraceDropReason = SpanRefusal | 'trace-full' | 'duplicate';

/** One line of the recent traces list. */
export interface TraceSummary {
  traceId: string;
  /** The root span's name (the earliest span whose parent is not in the trace). */
  name: string;
  service: string;
  /** Distinct services, in order of first appearance (at most 8). */
  services: string[];
  spanCount: number;
  startMs: number;
  durationMs: number;
  hasError: boolean;
  /** When the gateway last received a span of it (ms since the epoch). */
  receivedAt: number;
}

/** A span as the waterfall draws it: in tree order, with its depth and what to label it with. */
export interface WaterfallSpan extends TraceSpan {
  depth: number;
  /** From the span's attributes, or the first word of `<protocol> <pattern>` names. */
  protocol?: string;
  /** The instance that handled (server) or was called (client attempt). */
  targetInstance?: string;
}

export interface TraceDetail extends TraceSummary {
  spans: WaterfallSpan[];
  droppedSpans: number;
}

export interface TraceStoreStats {
  acceptedSpans: number;
  droppedSpans: Partial<Record<TraceDropReason, number>>;
  traces: number;
}

interface StoredTrace {
  spans: Map<string, TraceSpan>;
  receivedAt: number;
  dropped: number;
}

/**
 * Recent traces received on `POST /v1/traces`, bounded: at most 50 traces (the least
 * recently updated one goes first) of at most 200 spans. Kept in a Map whose insertion
 * order is the update order, so eviction is O(1).
 */
@Injectable()
export class TraceStore {
  private readonly traces = new Map<string, StoredTrace>();
  private readonly counters: TraceStoreStats = { acceptedSpans: 0, droppedSpans: {}, traces: 0 };

  /** Keeps what fits; returns how many spans were kept. */
  add(spans: readonly TraceSpan[]): number {
    let kept = 0;
    const at = Date.now();
    for (const span of spans) {
      let trace = this.traces.get(span.traceId);
      if (trace) this.traces.delete(span.traceId);
      else trace = { spans: new Map(), receivedAt: at, dropped: 0 };
      // Re-inserted: the Map's first entry is always the least recently updated trace.
      this.traces.set(span.traceId, trace);
      trace.receivedAt = at;
      if (trace.spans.has(span.spanId)) {
        this.countDrop('duplicate');
      } else if (trace.spans.size >= TRACE_STORE_MAX_SPANS) {
        trace.dropped++;
        this.countDrop('trace-full');
      } else {
        trace.spans.set(span.spanId, span);
        kept++;
      }
      if (this.traces.size > TRACE_STORE_MAX_TRACES) this.traces.delete(this.traces.keys().next().value!);
    }
    this.counters.acceptedSpans += kept;
    return kept;
  }

  /** Counts spans refused before they reached the store (by the parser). */
  countRefused(refused: Partial<Record<SpanRefusal, number>>): void {
    for (const [reason, n] of Object.entries(refused) as Array<[SpanRefusal, number]>) this.countDrop(reason, n);
  }

  /** Most recently updated first. */
  list(): TraceSummary[] {
    return [...this.traces].reverse().map(([traceId, trace]) => summarise(traceId, trace, [...trace.spans.values()]));
  }

  get(traceId: string): TraceDetail | undefined {
    const trace = this.traces.get(traceId);
    if (!trace) return undefined;
    const spans = [...trace.spans.values()];
    return { ...summarise(traceId, trace, spans), spans: treeOrder(spans), droppedSpans: trace.dropped };
  }

  stats(): TraceStoreStats {
    return { acceptedSpans: this.counters.acceptedSpans, droppedSpans: { ...this.counters.droppedSpans }, traces: this.traces.size };
  }

  private countDrop(reason: TraceDropReason, n = 1): void {
    this.counters.droppedSpans[reason] = (this.counters.droppedSpans[reason] ?? 0) + n;
  }
}

function summarise(traceId: string, trace: StoredTrace, spans: TraceSpan[]): TraceSummary {
  const byStart = [...spans].sort((a, b) => a.startMs - b.startMs);
  const ids = new Set(spans.map((s) => s.spanId));
  const root = byStart.find((s) => !s.parentSpanId || !ids.has(s.parentSpanId)) ?? byStart[0];
  const startMs = byStart[0]?.startMs ?? 0;
  const endMs = Math.max(...spans.map((s) => s.startMs + s.durationMs));
  return {
    traceId,
    name: root?.name ?? '',
    service: root?.service ?? '',
    services: [...new Set(byStart.map((s) => s.service))].slice(0, MAX_SUMMARY_SERVICES),
    spanCount: spans.length,
    startMs,
    durationMs: spans.length ? endMs - startMs : 0,
    hasError: spans.some((s) => s.status === 'error'),
    receivedAt: trace.receivedAt,
  };
}

/**
 * Depth-first from the roots (spans whose parent is not in the trace), children by start
 * time. Spans left over (a forged parent cycle has no root) follow as roots of their own.
 */
function treeOrder(spans: TraceSpan[]): WaterfallSpan[] {
  const byStart = [...spans].sort((a, b) => a.startMs - b.startMs);
  const ids = new Set(spans.map((s) => s.spanId));
  const children = new Map<string, TraceSpan[]>();
  for (const span of byStart) {
    if (span.parentSpanId && ids.has(span.parentSpanId)) {
      const siblings = children.get(span.parentSpanId) ?? [];
      siblings.push(span);
      children.set(span.parentSpanId, siblings);
    }
  }
  const ordered: WaterfallSpan[] = [];
  const visited = new Set<string>();
  const visit = (span: TraceSpan, depth: number) => {
    const stack: Array<[TraceSpan, number]> = [[span, depth]];
    while (stack.length) {
      const [next, level] = stack.pop()!;
      if (visited.has(next.spanId)) continue;
      visited.add(next.spanId);
      ordered.push(toWaterfall(next, level));
      const kids = children.get(next.spanId) ?? [];
      for (let i = kids.length - 1; i >= 0; i--) stack.push([kids[i], level + 1]);
    }
  };
  for (const span of byStart) if (!span.parentSpanId || !ids.has(span.parentSpanId)) visit(span, 0);
  for (const span of byStart) visit(span, 0);
  return ordered;
}

function toWaterfall(span: TraceSpan, depth: number): WaterfallSpan {
  const protocol = firstText(span.attributes, PROTOCOL_KEYS) ?? protocolFromName(span.name);
  // A client attempt names the instance it went to; a server span ran in its own process.
  const target = firstText(span.attributes, TARGET_INSTANCE_KEYS) ?? span.instance;
  return { ...span, depth, ...(protocol ? { protocol } : {}), ...(target ? { targetInstance: target } : {}) };
}

function firstText(attributes: Record<string, AttributeValue>, keys: readonly string[]): string | undefined {
  for (const key of keys) {
    const value = attributes[key];
    if (typeof value === 'string' && value !== '') return value;
  }
  return undefined;
}

function protocolFromName(name: string): string | undefined {
  const first = name.split(' ', 1)[0].toLowerCase();
  return PROTOCOLS.has(first) ? first : undefined;
}
