import { TRACESTATE_MAX_LENGTH, TRACESTATE_MAX_MEMBERS } from './tracing.constants';

/**
 * A parsed `traceparent`: the trace, the caller's span and the trace flags (bit 0: sampled).
 *
 * @publicApi
 */
export interface TraceParent {
  /** 32 lower-case hex digits, not all zero. */
  traceId: string;
  /** 16 lower-case hex digits, not all zero: the span of the caller. */
  spanId: string;
  /** 0-255; `1` when the caller sampled the trace. */
  traceFlags: number;
}

const HEX = /^[0-9a-f]+$/;
const ZERO_TRACE_ID = '0'.repeat(32);
const ZERO_SPAN_ID = '0'.repeat(16);
/** `version-traceid-parentid-flags` of version 00: 2 + 1 + 32 + 1 + 16 + 1 + 2 characters. */
const VERSION_00_LENGTH = 55;
/**
 * A tracestate list member: a key (`lcalpha 0*255(lcalpha / DIGIT / "_" / "-"/ "*" / "/")`, or
 * a multi-tenant `tenant@system` key) `=` a value of printable ASCII without `,` and `=` that
 * does not end in a space (W3C Trace Context, section 3.3.1.3).
 */
const TRACESTATE_MEMBER =
  /^(?:[a-z][_0-9a-z\-*/]{0,255}|[a-z0-9][_0-9a-z\-*/]{0,240}@[a-z][_0-9a-z\-*/]{0,13})=[\x20-\x2b\x2d-\x3c\x3e-\x7e]{0,255}[\x21-\x2b\x2d-\x3c\x3e-\x7e]$/;

/**
 * Parses a W3C `traceparent` header. Anything malformed (wrong length or case, non-hex digits,
 * an all-zero id, version `ff`, a version 00 with trailing data) gives undefined: a bad header is
 * ignored, never an error. Versions above 00 are read as 00 as the specification asks (their
 * first four fields; anything after must start with `-`).
 *
 * @publicApi
 */
export function parseTraceparent(value: string | undefined): TraceParent | undefined {
  if (typeof value !== 'string' || value.length < VERSION_00_LENGTH) return undefined;
  if (value[2] !== '-' || value[35] !== '-' || value[52] !== '-') return undefined;
  const version = value.slice(0, 2);
  if (!HEX.test(version) || version === 'ff') return undefined;
  if (version === '00' ? value.length !== VERSION_00_LENGTH : value.length > VERSION_00_LENGTH && value[55] !== '-') return undefined;
  const traceId = value.slice(3, 35);
  const spanId = value.slice(36, 52);
  const flags = value.slice(53, 55);
  if (!HEX.test(traceId) || traceId === ZERO_TRACE_ID) return undefined;
  if (!HEX.test(spanId) || spanId === ZERO_SPAN_ID) return undefined;
  if (!HEX.test(flags)) return undefined;
  return { traceId, spanId, traceFlags: parseInt(flags, 16) };
}

/** Whether `value` is a `traceparent` this library accepts (see `parseTraceparent`). @publicApi */
export function isValidTraceparent(value: string | undefined): boolean {
  return parseTraceparent(value) !== undefined;
}

/**
 * The version 00 `traceparent` of a span. Ids that are not valid (wrong length, not lower-case
 * hex, all zero) give undefined rather than a header the next hop would drop.
 *
 * @publicApi
 */
export function formatTraceparent(parent: TraceParent): string | undefined {
  const { traceId, spanId, traceFlags } = parent;
  if (traceId.length !== 32 || !HEX.test(traceId) || traceId === ZERO_TRACE_ID) return undefined;
  if (spanId.length !== 16 || !HEX.test(spanId) || spanId === ZERO_SPAN_ID) return undefined;
  const flags = traceFlags & 0xff;
  return `00-${traceId}-${spanId}-${flags < 16 ? '0' : ''}${flags.toString(16)}`;
}

/**
 * A `tracestate` header as it may be forwarded: undefined when any list member is malformed or
 * a key repeats (the specification forbids propagating an invalid one), empty members dropped,
 * and cut to `TRACESTATE_MAX_MEMBERS` members and `TRACESTATE_MAX_LENGTH` characters by whole
 * members from the end (the right-most are the oldest).
 *
 * @publicApi
 */
export function sanitizeTracestate(value: string | undefined): string | undefined {
  if (typeof value !== 'string') return undefined;
  // Bounded work on hostile input: a header far beyond any legal tracestate is not parsed.
  if (value.length > TRACESTATE_MAX_MEMBERS * 520) return undefined;
  const members: string[] = [];
  const keys = new Set<string>();
  for (const raw of value.split(',')) {
    const member = raw.trim();
    if (member === '') continue;
    if (!TRACESTATE_MEMBER.test(member)) return undefined;
    const key = member.slice(0, member.indexOf('='));
    if (keys.has(key)) return undefined;
    keys.add(key);
    members.push(member);
  }
  if (members.length > TRACESTATE_MAX_MEMBERS) members.length = TRACESTATE_MAX_MEMBERS;
  let length = members.reduce((sum, m) => sum + m.length, 0) + Math.max(0, members.length - 1);
  while (length > TRACESTATE_MAX_LENGTH && members.length > 0) length -= members.pop()!.length + (members.length > 0 ? 1 : 0);
  return members.length > 0 ? members.join(',') : undefined;
}
