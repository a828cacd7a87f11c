import { describeLeaderElectorContract } from '../testing/leader-elector.contract';
import { MemoryLeaderElector } from './memory-leader-elector';
import { MemoryLeaderStore } from './memory-leader.store';

describeLeaderElectorContract('MemoryLeaderElector', () => {
  const store = new MemoryLeaderStore();
  return { createElector: () => new MemoryLeaderElector({ store }) };
});

describe(MemoryLeaderElector.name, () => {
  describe('campaign', () => {
    it('should follow the injected clock for expiry', async () => {
      let clock = 1_000;
      const store = new MemoryLeaderStore({ now: () => clock });
      const [a, b] = [new MemoryLeaderElector({ store, safetyMarginMs: 50 }), new MemoryLeaderElector({ store })];
      const lease = await a.campaign('jobs', 'a', { ttlMs: 500 });
      expect(lease).toMatchObject({ acquiredAt: 1_000, expiresAt: 1_500, validUntil: 1_450, fencingToken: 1 });
      clock = 1_499;
      expect(await b.campaign('jobs', 'b', { ttlMs: 500 })).toBeNull();
      clock = 1_500;
      expect(await b.campaign('jobs', 'b', { ttlMs: 500 })).toMatchObject({ leaderId: 'b', fencingToken: 2 });
    });
  });
});
