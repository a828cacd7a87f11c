import { RESTART_MAX_DELAY_MS, RESTART_STABLE_AFTER_MS, RestartBackoff } from './restart-backoff';

describe('RestartBackoff', () => {
  it('should double the delay per crash in a row, up to the cap', () => {
    const backoff = new RestartBackoff();
    const delays = Array.from({ length: 8 }, () => backoff.next(100));
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16_000, RESTART_MAX_DELAY_MS, RESTART_MAX_DELAY_MS, RESTART_MAX_DELAY_MS]);
    expect(backoff.restarts).toBe(8);
  });

  it('should start over after a child ran long enough, still counting restarts', () => {
    const backoff = new RestartBackoff();
    backoff.next(100);
    backoff.next(100);
    expect(backoff.next(RESTART_STABLE_AFTER_MS)).toBe(1000);
    expect(backoff.restarts).toBe(3);
  });
});
