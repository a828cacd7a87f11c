import { ThrottledLog } from './throttled-log.util';

describe('ThrottledLog', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => jest.useRealTimers());

  it('should write the first line at once and sum up the rest at the end of the period', () => {
    const lines: string[] = [];
    const log = new ThrottledLog((line) => lines.push(line), 10_000);
    for (let i = 1; i <= 2000; i++) log.log(`junk #${i}`);
    expect(lines).toEqual(['junk #1']);
    expect(log.pending).toBe(1999);
    jest.advanceTimersByTime(10_000);
    expect(lines).toEqual(['junk #1', 'junk #2000 (and 1998 more like it not logged)']);
    expect(log.pending).toBe(0);
  });

  it('should write a lone suppressed line as is, and a line after a quiet period at once', () => {
    const lines: string[] = [];
    const log = new ThrottledLog((line) => lines.push(line), 1000);
    log.log('a');
    log.log('b');
    jest.advanceTimersByTime(1000);
    expect(lines).toEqual(['a', 'b']);
    jest.advanceTimersByTime(1000);
    log.log('c');
    expect(lines).toEqual(['a', 'b', 'c']);
  });
});
