import { PeakEwma } from './peak-ewma.util';

const DECAY_MS = 10_000;
const RECOVERY_MS = 1_000;

/** An estimate fed `samples` one millisecond apart from t = 0. */
function fed(samples: number[]): PeakEwma {
  const estimate = new PeakEwma(0, 0, DECAY_MS, RECOVERY_MS);
  samples.forEach((sample, t) => estimate.observe(sample, t));
  return estimate;
}

describe(PeakEwma, () => {
  it('should take a slower answer at once', () => {
    const estimate = fed([1, 1, 1, 40]);
    expect(estimate.valueAt(3)).toBeCloseTo(40, 5);
  });

  it('should forget a spike on a fast instance within a few recovery times, without new samples', () => {
    // A fast instance (1 ms) that stalled once (50 ms), and a slow one (21 ms) that answered as usual.
    const spiked = fed([...Array<number>(100).fill(1), 50]);
    const slow = fed(Array<number>(101).fill(21));
    expect(spiked.valueAt(100)).toBeGreaterThan(slow.valueAt(100));
    // NOTE: a single peak-held value kept the spike for ~DECAY_MS (50 × e^-0.3 ≈ 37 ms here).
    const later = 100 + 3 * RECOVERY_MS;
    expect(spiked.valueAt(later)).toBeLessThan(4);
    expect(slow.valueAt(later)).toBeGreaterThan(14);
  });

  it('should forget a slow instance only with the decay time', () => {
    const slow = fed(Array<number>(100).fill(21));
    expect(slow.valueAt(99 + DECAY_MS)).toBeCloseTo(21 * Math.exp(-1), 3);
  });
});
