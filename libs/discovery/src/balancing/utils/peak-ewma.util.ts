/**
 * Peak-EWMA latency estimates (Finagle `PeakEwma`, Linkerd/tower `RttEstimate`) plus in-flight
 * counts of many instances, in typed arrays indexed by slot (one slot per instance id), so a
 * pick reads numbers at an index: no map lookup, no object, no boxed double. Each estimate has
 * two parts:
 *
 * - a baseline, the EWMA of the samples, blended with weight `1 - exp(-elapsed / recoveryMs)`
 *   so it tracks wall-clock time, not request count;
 * - a peak: a sample above the estimate is taken at once (a slowdown repels traffic on its
 *   first slow answer), then fades back to the baseline with `recoveryMs`.
 *
 * Reads also decay the whole estimate toward 0 with `decayMs`, so an instance that stopped
 * getting traffic because it was slow is eventually probed again.
 *
 * NOTE: why two parts: with one peak-held value a spike on a fast instance (its first
 * connection, a GC pause, a busy host) held for ~`decayMs` (10 s), during which that instance
 * got no traffic to correct it, and a fresh client sent up to a quarter of its calls to a slow
 * instance. Now a spike fades within about `recoveryMs` (1 s), while a slow instance, whose
 * baseline is slow, is forgotten only by `decayMs`.
 *
 * @internal
 */
/** Cost of an unmeasured instance that already has a probe in flight: wait for its answer. */
const PROBE_COST = Number.MAX_SAFE_INTEGER / 2;

export class PeakEwmaTable {
  /** Bumped whenever slots are assigned or freed: position-to-slot caches compare it. */
  generation = 0;
  private readonly slots = new Map<string, number>();
  /** [pick time, neutral cost], unboxed. */
  private readonly times = new Float64Array(2);
  private readonly free: number[] = [];
  private capacity = 0;
  private baseMs: Float64Array = new Float64Array(0);
  /** How far the last peak stood above the baseline at `peakStamp`. */
  private excessMs: Float64Array = new Float64Array(0);
  private stamp: Float64Array = new Float64Array(0);
  private peakStamp: Float64Array = new Float64Array(0);
  private inFlightCounts: Int32Array = new Int32Array(0);

  constructor(
    private readonly decayMs: number,
    private readonly recoveryMs: number = decayMs,
  ) {}

  /** The slot of `id`, or -1. */
  slotOf(id: string): number {
    return this.slots.get(id) ?? -1;
  }

  /** The slot of `id`, created with estimate `initialMs` at `now` when new. */
  ensure(id: string, initialMs: number, now: number): number {
    const existing = this.slots.get(id);
    if (existing !== undefined) return existing;
    const slot = this.free.pop() ?? this.grow();
    this.slots.set(id, slot);
    this.baseMs[slot] = initialMs;
    this.excessMs[slot] = 0;
    this.stamp[slot] = now;
    this.peakStamp[slot] = now;
    this.inFlightCounts[slot] = 0;
    this.generation++;
    return slot;
  }

  /** Frees the slots of ids not in `ids`. */
  retain(ids: ReadonlySet<string>): void {
    for (const [id, slot] of this.slots) {
      if (ids.has(id)) continue;
      this.slots.delete(id);
      this.free.push(slot);
    }
    this.generation++;
  }

  /** Estimates at `now` of every measured slot. */
  measuredValues(now: number): number[] {
    const values: number[] = [];
    for (const slot of this.slots.values()) if (this.isMeasured(slot)) values.push(this.valueAt(slot, now));
    return values;
  }

  inFlight(slot: number): number {
    return this.inFlightCounts[slot];
  }

  addInFlight(slot: number, delta: number): void {
    this.inFlightCounts[slot] = Math.max(0, this.inFlightCounts[slot] + delta);
  }

  /** False until the first sample when it started at 0 (nothing known about the fleet). */
  isMeasured(slot: number): boolean {
    return this.baseMs[slot] > 0;
  }

  /** The estimate at `now`, ms. */
  valueAt(slot: number, now: number): number {
    return (this.baseMs[slot] + this.excessAt(slot, now)) * Math.exp(-Math.max(0, now - this.stamp[slot]) / this.decayMs);
  }

  /**
   * Whether slot `b` costs less than slot `a` at `now`, cost = estimate × (in-flight + 1); a
   * slot of -1 (never started) costs `neutralMs`; an unmeasured slot with a probe in flight
   * costs `PROBE_COST` (wait for its answer); at the pick time (`setPickTime`). NOTE: integers
   * in, a boolean out: a double passed to or returned from a call that is not inlined is a
   * heap number, the last allocation a pick made.
   */
  isCheaper(b: number, a: number): boolean {
    const now = this.times[0];
    const neutralMs = this.times[1];
    return this.costOf(b, now, neutralMs) < this.costOf(a, now, neutralMs);
  }

  /** Time (ms) picks decay estimates to: the time of the last answer. */
  setPickTime(now: number): void {
    if (now > this.times[0]) this.times[0] = now;
  }

  /** What a slot that never started costs (the median estimate at the last membership change). */
  setNeutral(ms: number): void {
    this.times[1] = ms;
  }

  observe(slot: number, sampleMs: number, now: number): void {
    // NOTE: a floor of 1 µs keeps a measured instance measured (0 means "unknown").
    const sample = Math.max(sampleMs, 1e-3);
    const base = this.baseMs[slot];
    const excess = this.excessAt(slot, now);
    const w = base === 0 ? 0 : Math.exp(-Math.max(0, now - this.stamp[slot]) / this.recoveryMs);
    const nextBase = base * w + sample * (1 - w);
    this.baseMs[slot] = nextBase;
    // A slower answer than the estimate is taken at once; a faster one lets the peak fade on.
    this.excessMs[slot] = sample > base + excess ? sample - nextBase : excess;
    this.peakStamp[slot] = now;
    this.stamp[slot] = now;
  }

  private costOf(slot: number, now: number, neutralMs: number): number {
    if (slot < 0) return neutralMs;
    const inFlight = this.inFlightCounts[slot];
    const base = this.baseMs[slot];
    if (base <= 0 && inFlight > 0) return PROBE_COST + inFlight;
    const excess = this.excessMs[slot];
    const held = excess === 0 ? base : base + excess * Math.exp(-Math.max(0, now - this.peakStamp[slot]) / this.recoveryMs);
    return held * Math.exp(-Math.max(0, now - this.stamp[slot]) / this.decayMs) * (inFlight + 1);
  }

  private excessAt(slot: number, now: number): number {
    const excess = this.excessMs[slot];
    return excess === 0 ? 0 : excess * Math.exp(-Math.max(0, now - this.peakStamp[slot]) / this.recoveryMs);
  }

  private grow(): number {
    const slot = this.capacity;
    if (slot === this.baseMs.length) {
      const size = Math.max(8, slot * 2);
      this.baseMs = resized(this.baseMs, size);
      this.excessMs = resized(this.excessMs, size);
      this.stamp = resized(this.stamp, size);
      this.peakStamp = resized(this.peakStamp, size);
      const counts = new Int32Array(size);
      counts.set(this.inFlightCounts);
      this.inFlightCounts = counts;
    }
    this.capacity++;
    return slot;
  }
}

function resized(array: Float64Array, size: number): Float64Array {
  const next = new Float64Array(size);
  next.set(array);
  return next;
}
