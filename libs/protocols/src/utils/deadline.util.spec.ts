import {
  clampDeadline,
  DEFAULT_MAX_DEADLINE_MS,
  isValidMaxDeadline,
  MAX_TIMER_MS,
  parseAbsoluteDeadline,
  parseRelativeDeadline,
  timerDelay,
} from './deadline.util';

describe('deadline.util', () => {
  const now = 1_700_000_000_000;

  it('should read a relative budget, clamped so that no timer overflows', () => {
    expect(parseRelativeDeadline('2000', now)).toBe(now + 2000);
    expect(parseRelativeDeadline('12.5', now)).toBe(now + 12.5);
    expect(parseRelativeDeadline('-5', now)).toBe(now - 5);
    expect(parseRelativeDeadline('315360000000', now)).toBe(now + MAX_TIMER_MS);
  });

  it.each(['NaN', 'soon', '1e9', 'Infinity', '', ' 5', '0x10', '9'.repeat(21)])('should ignore the garbage budget %p', (value) => {
    expect(parseRelativeDeadline(value, now)).toBeUndefined();
  });

  it('should read an absolute deadline, clamped, and ignore garbage', () => {
    expect(parseAbsoluteDeadline(String(now + 1000), now)).toBe(now + 1000);
    expect(parseAbsoluteDeadline(String(now + 315_360_000_000), now)).toBe(now + MAX_TIMER_MS);
    expect(parseAbsoluteDeadline('-1', now)).toBeUndefined();
    expect(parseAbsoluteDeadline('tomorrow', now)).toBeUndefined();
  });

  it('should clamp to a maximum and give timer delays within range', () => {
    expect(clampDeadline(now + 10 * DEFAULT_MAX_DEADLINE_MS, now, DEFAULT_MAX_DEADLINE_MS)).toBe(now + DEFAULT_MAX_DEADLINE_MS);
    expect(clampDeadline(now + 5, now, DEFAULT_MAX_DEADLINE_MS)).toBe(now + 5);
    expect(timerDelay(now - 10, now)).toBe(0);
    expect(timerDelay(now + 2 * MAX_TIMER_MS, now)).toBe(MAX_TIMER_MS);
  });

  it('should accept a maximum of 1 to 2^31-1 whole ms only', () => {
    expect(isValidMaxDeadline(1)).toBe(true);
    expect(isValidMaxDeadline(MAX_TIMER_MS)).toBe(true);
    for (const bad of [0, -1, 1.5, MAX_TIMER_MS + 1, Number.NaN, Number.POSITIVE_INFINITY, '1000']) {
      expect(isValidMaxDeadline(bad)).toBe(false);
    }
  });
});
