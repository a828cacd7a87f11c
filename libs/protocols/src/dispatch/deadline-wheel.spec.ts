import { DeadlineWheel } from './deadline-wheel';

describe('DeadlineWheel', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => jest.useRealTimers());

  it('should fire a deadline once it has passed, never before, and stop ticking when empty', () => {
    const wheel = new DeadlineWheel(5);
    const fired: string[] = [];
    wheel.add(1_000_012, () => fired.push('a'));
    wheel.add(1_000_030, () => fired.push('b'));
    jest.advanceTimersByTime(11);
    expect(fired).toEqual([]);
    jest.advanceTimersByTime(5);
    expect(fired).toEqual(['a']);
    jest.advanceTimersByTime(20);
    expect(fired).toEqual(['a', 'b']);
    expect(wheel.size).toBe(0);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('should not fire a cancelled deadline', () => {
    const wheel = new DeadlineWheel(5);
    const fire = jest.fn();
    const cancel = wheel.add(1_000_010, fire);
    const other = jest.fn();
    wheel.add(1_000_010, other);
    cancel();
    jest.advanceTimersByTime(20);
    expect(fire).not.toHaveBeenCalled();
    expect(other).toHaveBeenCalledTimes(1);
  });

  it('should fire a deadline already past on the next tick', () => {
    const wheel = new DeadlineWheel(5);
    const fire = jest.fn();
    wheel.add(999_000, fire);
    jest.advanceTimersByTime(5);
    expect(fire).toHaveBeenCalledTimes(1);
  });
});
