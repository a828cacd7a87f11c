import { PeakEwmaTable } from './peak-ewma.util';

const DECAY_MS = 10_000;
const RECOVERY_MS = 1_000;

/** A table with one estimate fed `samples` one millisecond apart from t = 0. */
function fed(samples: number[]): { table: PeakEwmaTable; slot: number } {
  const table = new PeakEwmaTable(DECAY_MS, RECOVERY_MS);
  const slot = table.ensure('x', 0, 0);
  samples.forEach((sample, t) => table.observe(slot, sample, t));
  return { table, slot };
}

describe(PeakEwmaTable, () => {
  it('should take a slower answer at once', () => {
    const { table, slot } = fed([1, 1, 1, 40]);
    expect(table.valueAt(slot, 3)).toBeCloseTo(40, 5);
  });

  it('should forget a spike on a fast instance within a few recovery times, without new samples', () => {
    // A fast instance (1 ms) that stalled once (50 ms), and a slow one (21 ms) that answered as usual.
    const spiked = fed([...Array<number>(100).fill(1), 50]);
    const slow = fed(Array<number>(101).fill(21));
    expect(spiked.table.valueAt(spiked.slot, 100)).toBeGreaterThan(slow.table.valueAt(slow.slot, 100));
    // NOTE: a single peak-held value kept the spike for ~DECAY_MS (50 × e^-0.3 ≈ 37 ms here).
    const later = 100 + 3 * RECOVERY_MS;
    expect(spiked.table.valueAt(spiked.slot, later)).toBeLessThan(4);
    expect(slow.table.valueAt(slow.slot, later)).toBeGreaterThan(14);
  });

  it('should halve a spike with each answer that does not renew it, with no time passing', () => {
    const table = new PeakEwmaTable(DECAY_MS, RECOVERY_MS);
    const slot = table.ensure('x', 0, 0);
    for (let i = 0; i < 10; i++) table.observe(slot, 1, 0);
    table.observe(slot, 201, 0);
    expect(table.valueAt(slot, 0)).toBeCloseTo(201, 5);
    table.observe(slot, 1, 0);
    expect(table.valueAt(slot, 0)).toBeCloseTo(101, 5);
    for (let i = 0; i < 7; i++) table.observe(slot, 1, 0);
    expect(table.valueAt(slot, 0)).toBeCloseTo(1 + 200 / 2 ** 8, 5);
  });

  it('should keep the estimate at least the last answer while the baseline catches up', () => {
    // An instance that turns slow: 1 ms, then 21 ms answers in the same instant.
    const { table, slot } = fed([...Array<number>(10).fill(1)]);
    for (let i = 0; i < 20; i++) {
      table.observe(slot, 21, 9);
      expect(table.valueAt(slot, 9)).toBeGreaterThanOrEqual(21);
    }
  });

  it('should move the baseline at least 1/8 of the way per answer (a running mean before that)', () => {
    const table = new PeakEwmaTable(DECAY_MS, RECOVERY_MS);
    const slot = table.ensure('x', 0, 0);
    table.observe(slot, 100, 0);
    table.observe(slot, 10, 0);
    expect(table.valueAt(slot, 0)).toBeCloseTo(55, 5);
    for (let i = 0; i < 6; i++) table.observe(slot, 10, 0);
    expect(table.valueAt(slot, 0)).toBeCloseTo((100 + 7 * 10) / 8, 5);
    table.observe(slot, 10, 0);
    expect(table.valueAt(slot, 0)).toBeCloseTo(((100 + 7 * 10) / 8) * (7 / 8) + 10 / 8, 5);
  });

  it('should forget a slow instance only with the decay time', () => {
    const { table, slot } = fed(Array<number>(100).fill(21));
    expect(table.valueAt(slot, 99 + DECAY_MS)).toBeCloseTo(21 * Math.exp(-1), 3);
  });

  it('should keep estimates apart and reuse freed slots', () => {
    const table = new PeakEwmaTable(DECAY_MS, RECOVERY_MS);
    const ids = Array.from({ length: 20 }, (_, i) => `i${i}`);
    for (const [i, id] of ids.entries()) table.observe(table.ensure(id, 0, 0), i + 1, 0);
    expect(ids.map((id) => table.valueAt(table.slotOf(id), 0))).toEqual(ids.map((_, i) => i + 1));
    table.retain(new Set(ids.slice(0, 10)));
    expect(table.slotOf('i15')).toBe(-1);
    const reused = table.ensure('new', 0, 0);
    expect(reused).toBeLessThan(20);
    expect(table.isMeasured(reused)).toBe(false);
    expect(table.valueAt(table.slotOf('i3'), 0)).toBe(4);
  });
});
