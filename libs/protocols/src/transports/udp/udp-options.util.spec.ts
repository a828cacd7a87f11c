import { resolveMaxDatagramBytes, resolveRetransmit, resolveSocketType, resolveTimeout } from './udp-options.util';

describe('udp-options.util', () => {
  describe('resolveSocketType', () => {
    it.each([
      ['127.0.0.1', undefined, 'udp4'],
      ['localhost', undefined, 'udp4'],
      ['::1', undefined, 'udp6'],
      ['::', undefined, 'udp6'],
      ['fe80::1%lo', undefined, 'udp6'],
      ['localhost', 'udp6', 'udp6'],
    ] as const)('should pick a socket type for %s (type %s)', (host, type, expected) => {
      expect(resolveSocketType(host, type)).toBe(expected);
    });

    it('should refuse an unknown type', () => {
      expect(() => resolveSocketType('::1', 'udp5' as never)).toThrow(TypeError);
    });
  });

  describe('resolveMaxDatagramBytes', () => {
    it('should default to 1200 and accept the range 512..65507', () => {
      expect(resolveMaxDatagramBytes(undefined)).toBe(1200);
      expect(resolveMaxDatagramBytes(512)).toBe(512);
      expect(resolveMaxDatagramBytes(65_507)).toBe(65_507);
    });

    it.each([511, 65_508, 1200.5, Number.NaN])('should refuse %s', (bytes) => {
      expect(() => resolveMaxDatagramBytes(bytes)).toThrow(RangeError);
    });
  });

  describe('resolveRetransmit', () => {
    it('should pass valid settings and turn false or undefined into none', () => {
      expect(resolveRetransmit({ intervalMs: 50, maxAttempts: 3 })).toEqual({ intervalMs: 50, maxAttempts: 3 });
      expect(resolveRetransmit(false)).toBeUndefined();
      expect(resolveRetransmit(undefined)).toBeUndefined();
    });

    it('should refuse a non-positive interval or attempt count', () => {
      expect(() => resolveRetransmit({ intervalMs: 0, maxAttempts: 3 })).toThrow(RangeError);
      expect(() => resolveRetransmit({ intervalMs: 10, maxAttempts: 0 })).toThrow(RangeError);
    });
  });

  describe('resolveTimeout', () => {
    it('should fall back and refuse timeouts that never end', () => {
      expect(resolveTimeout(undefined, 5000)).toBe(5000);
      expect(resolveTimeout(200, 5000)).toBe(200);
      expect(() => resolveTimeout(0, 5000)).toThrow(RangeError);
      expect(() => resolveTimeout(Number.POSITIVE_INFINITY, 5000)).toThrow(RangeError);
    });
  });
});
