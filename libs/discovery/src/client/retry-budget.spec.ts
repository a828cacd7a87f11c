import { RetryBudget } from './retry-budget';

describe('RetryBudget', () => {
  describe('tryRetry', () => {
    it('should allow the per-second floor with no traffic, then refuse', () => {
      const now = 1_000_000;
      const budget = new RetryBudget(0.2, 1, 10, () => now);
      const granted = Array.from({ length: 15 }, () => budget.tryRetry()).filter(Boolean).length;
      expect(granted).toBe(10);
    });

    it('should add a ratio of recent requests to the budget', () => {
      const now = 1_000_000;
      const budget = new RetryBudget(0.2, 0, 10, () => now);
      for (let i = 0; i < 100; i++) budget.recordRequest();
      const granted = Array.from({ length: 50 }, () => budget.tryRetry()).filter(Boolean).length;
      expect(granted).toBe(20);
    });

    it('should forget requests and retries older than the window', () => {
      let now = 1_000_000;
      const budget = new RetryBudget(0.5, 0, 2, () => now);
      for (let i = 0; i < 10; i++) budget.recordRequest();
      expect(Array.from({ length: 10 }, () => budget.tryRetry()).filter(Boolean).length).toBe(5);
      now += 3000;
      expect(budget.tryRetry()).toBe(false);
      budget.recordRequest();
      budget.recordRequest();
      expect(budget.tryRetry()).toBe(true);
      expect(budget.tryRetry()).toBe(false);
    });
  });
});
