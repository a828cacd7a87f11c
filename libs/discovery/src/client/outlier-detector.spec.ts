import { OutlierDetector } from './outlier-detector';

describe('OutlierDetector', () => {
  let now = 0;
  const clock = () => now;
  beforeEach(() => (now = 1_000));

  describe('failure', () => {
    it.each([
      { threshold: 3, failures: 2, ejected: false },
      { threshold: 3, failures: 3, ejected: true },
      { threshold: 1, failures: 1, ejected: true },
    ])('should eject after $threshold consecutive failures (got $failures)', ({ threshold, failures, ejected }) => {
      const detector = new OutlierDetector({ consecutiveFailures: threshold }, clock);
      for (let i = 0; i < failures; i++) detector.failure('a', 4);
      expect(detector.isEjected('a')).toBe(ejected);
    });

    it('should reset the streak on success', () => {
      const detector = new OutlierDetector({ consecutiveFailures: 2 }, clock);
      detector.failure('a', 4);
      detector.success('a');
      detector.failure('a', 4);
      expect(detector.isEjected('a')).toBe(false);
    });

    it('should eject for longer each time, up to the maximum', () => {
      const detector = new OutlierDetector({ consecutiveFailures: 1, baseEjectionMs: 100, maxEjectionMs: 250 }, clock);
      const durations: number[] = [];
      for (let i = 0; i < 4; i++) {
        detector.failure('a', 4);
        const start = now;
        while (detector.isEjected('a')) now += 10;
        durations.push(now - start);
      }
      expect(durations).toEqual([100, 200, 250, 250]);
      expect(detector.ejections('a')).toBe(4);
    });

    it('should never eject more than the maximum share', () => {
      const detector = new OutlierDetector({ consecutiveFailures: 1, maxEjectedPercent: 50 }, clock);
      for (const id of ['a', 'b', 'c', 'd']) detector.failure(id, 4);
      expect(['a', 'b', 'c', 'd'].filter((id) => detector.isEjected(id))).toEqual(['a', 'b']);
    });
  });
});
