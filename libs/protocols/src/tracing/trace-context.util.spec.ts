import { Fuzzer, FUZZ_SEED } from '../../../../test/harness/fuzz';
import { formatTraceparent, isValidTraceparent, parseTraceparent, sanitizeTracestate } from './trace-context.util';
import { TRACESTATE_MAX_LENGTH, TRACESTATE_MAX_MEMBERS } from './tracing.constants';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN_ID = '00f067aa0ba902b7';
const VALID = `00-${TRACE_ID}-${SPAN_ID}-01`;

describe('parseTraceparent', () => {
  it('reads the example of the W3C specification', () => {
    expect(parseTraceparent(VALID)).toEqual({ traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 1 });
    expect(parseTraceparent(`00-${TRACE_ID}-${SPAN_ID}-00`)?.traceFlags).toBe(0);
  });

  it.each([
    ['empty', ''],
    ['undefined', undefined],
    ['upper-case hex', VALID.toUpperCase()],
    ['all-zero trace id', `00-${'0'.repeat(32)}-${SPAN_ID}-01`],
    ['all-zero span id', `00-${TRACE_ID}-${'0'.repeat(16)}-01`],
    ['version ff', `ff-${TRACE_ID}-${SPAN_ID}-01`],
    ['version 00 with trailing data', `${VALID}-extra`],
    ['short trace id', `00-${TRACE_ID.slice(1)}-${SPAN_ID}-01`],
    ['non-hex flags', `00-${TRACE_ID}-${SPAN_ID}-0x`],
    ['wrong separators', VALID.replace(/-/g, '_')],
    ['non-hex version', `0g-${TRACE_ID}-${SPAN_ID}-01`],
    ['future version with bad trailer', `01-${TRACE_ID}-${SPAN_ID}-01x`],
  ])('ignores a malformed header: %s', (_name, value) => {
    expect(parseTraceparent(value)).toBeUndefined();
    expect(isValidTraceparent(value)).toBe(false);
  });

  it('reads a future version as version 00 (its first four fields)', () => {
    expect(parseTraceparent(`cc-${TRACE_ID}-${SPAN_ID}-01-what-the-future-holds`)).toEqual({
      traceId: TRACE_ID,
      spanId: SPAN_ID,
      traceFlags: 1,
    });
  });

  it(`never throws and only accepts what it can format back (seeded fuzz, seed ${FUZZ_SEED})`, () => {
    const fuzz = new Fuzzer(FUZZ_SEED);
    console.log(`trace-context fuzz seed: ${FUZZ_SEED} (FUZZ_SEED=<seed> to rerun)`);
    const alphabet = '0123456789abcdefABCDEF-xz ';
    let accepted = 0;
    for (let i = 0; i < 5000; i++) {
      let value: string;
      if (fuzz.int(2) === 0) {
        // A valid header with one to three characters replaced, cut or added.
        const chars = [...VALID];
        for (let e = 1 + fuzz.int(3); e > 0; e--) {
          const at = fuzz.int(chars.length + 1);
          const kind = fuzz.int(3);
          if (kind === 0) chars[at] = fuzz.pick([...alphabet]);
          else if (kind === 1) chars.splice(at, 1);
          else chars.splice(at, 0, fuzz.pick([...alphabet]));
        }
        value = chars.join('');
      } else value = Array.from({ length: fuzz.int(70) }, () => fuzz.pick([...alphabet])).join('');
      const parsed = parseTraceparent(value);
      if (parsed === undefined) continue;
      accepted++;
      // Anything accepted is well formed: its version 00 form parses to the same ids.
      const formatted = formatTraceparent(parsed);
      expect({ input: value, i, formatted: formatted !== undefined }).toEqual({ input: value, i, formatted: true });
      expect(parseTraceparent(formatted)).toEqual(parsed);
      expect(parsed.traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(parsed.spanId).toMatch(/^[0-9a-f]{16}$/);
    }
    // Some single-character edits (e.g. a flag digit) keep the header valid.
    expect(accepted).toBeGreaterThan(0);
  });
});

describe('formatTraceparent', () => {
  it('writes version 00 with two-digit flags', () => {
    expect(formatTraceparent({ traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 1 })).toBe(VALID);
    expect(formatTraceparent({ traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 0xab })).toBe(`00-${TRACE_ID}-${SPAN_ID}-ab`);
  });

  it('refuses ids the next hop would drop', () => {
    expect(formatTraceparent({ traceId: '0'.repeat(32), spanId: SPAN_ID, traceFlags: 1 })).toBeUndefined();
    expect(formatTraceparent({ traceId: TRACE_ID, spanId: 'XYZ', traceFlags: 1 })).toBeUndefined();
  });
});

describe('sanitizeTracestate', () => {
  it('keeps a valid list, dropping empty members', () => {
    expect(sanitizeTracestate('congo=t61rcWkgMzE, rojo=00f067aa0ba902b7')).toBe('congo=t61rcWkgMzE,rojo=00f067aa0ba902b7');
    expect(sanitizeTracestate('tenant@vendor=x,,a=b')).toBe('tenant@vendor=x,a=b');
  });

  it.each([
    ['upper-case key', 'Congo=1'],
    ['no value', 'congo='],
    ['no equals sign', 'congo'],
    ['a comma-free value with =', 'a=b=c'],
    ['a repeated key', 'a=1,a=2'],
    ['a control character', 'a=\u0001'],
  ])('drops a malformed header: %s', (_name, value) => {
    expect(sanitizeTracestate(value)).toBeUndefined();
  });

  it(`cuts to ${TRACESTATE_MAX_MEMBERS} members and ${TRACESTATE_MAX_LENGTH} characters by whole members from the end`, () => {
    const many = Array.from({ length: 40 }, (_, i) => `k${i}=v`).join(',');
    expect(sanitizeTracestate(many)!.split(',')).toHaveLength(TRACESTATE_MAX_MEMBERS);
    const long = Array.from({ length: 10 }, (_, i) => `k${i}=${'x'.repeat(100)}`).join(',');
    const cut = sanitizeTracestate(long)!;
    expect(cut.length).toBeLessThanOrEqual(TRACESTATE_MAX_LENGTH);
    expect(cut.split(',')).toEqual(long.split(',').slice(0, cut.split(',').length));
    expect(cut.startsWith('k0=')).toBe(true);
  });

  it('does not parse a header far beyond any legal size', () => {
    expect(sanitizeTracestate(`a=${'x'.repeat(100_000)}`)).toBeUndefined();
  });
});
