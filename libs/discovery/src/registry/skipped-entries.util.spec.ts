import { Logger } from '@nestjs/common';
import { SkippedEntries } from './skipped-entries.util';

describe(SkippedEntries.name, () => {
  let warn: jest.SpyInstance;
  const lines = (): string[] => warn.mock.calls.map(([message]) => String(message));

  beforeEach(() => {
    jest.useFakeTimers({ now: 1_000_000 });
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });

  afterEach(() => {
    jest.useRealTimers();
    warn.mockRestore();
  });

  describe('invalidEntry', () => {
    it('should count and log an entry once per reason, and again after it was cleared', () => {
      const skipped = new SkippedEntries('TestRegistry');
      for (let n = 0; n < 5; n++) skipped.invalidEntry('orders/x-1', 'no endpoints');
      skipped.invalidEntry('orders/x-1', 'no metadata');
      skipped.clear('orders/x-1');
      skipped.invalidEntry('orders/x-1', 'no metadata');
      expect(skipped.stats()).toEqual({ invalidEntries: 3, readErrors: 0, staleWatches: 0 });
      expect(lines()).toHaveLength(3);
    });

    it('should escape control characters of keys in the log line', () => {
      new SkippedEntries('TestRegistry').invalidEntry('orders/\u001b[2Jevil\n.json', 'not JSON');
      expect(lines()[0]).toContain('"orders/\\u001b[2Jevil\\n.json"');
    });

    it('should log at most 100 lines a minute, count every entry, and report how many it left out', () => {
      const skipped = new SkippedEntries('TestRegistry');
      for (let n = 0; n < 250; n++) skipped.invalidEntry(`orders/x-${n}`, 'no endpoints');
      expect(lines()).toHaveLength(100);
      expect(skipped.stats().invalidEntries).toBe(250);
      jest.setSystemTime(1_000_000 + 60_000);
      skipped.invalidEntry('orders/late-1', 'no endpoints');
      expect(lines().slice(100)).toEqual([
        '150 more skipped registry entries were not logged (rate limit)',
        'skipping invalid registry entry "orders/late-1": no endpoints',
      ]);
    });
  });

  describe('readError', () => {
    it('should count and log a read error once per key and code', () => {
      const skipped = new SkippedEntries('TestRegistry');
      const error = Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
      skipped.readError('orders/x-1.json', error);
      skipped.readError('orders/x-1.json', error);
      expect(skipped.stats(2)).toEqual({ invalidEntries: 0, readErrors: 1, staleWatches: 2 });
      expect(lines()).toEqual(['cannot read registry entry "orders/x-1.json" (EACCES); keeping what was last read']);
    });
  });
});
