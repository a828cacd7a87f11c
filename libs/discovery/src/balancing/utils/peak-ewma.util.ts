/** Cost of an unmeasured instance that already has a probe in flight: wait for its answer. */
const PROBE_COST = Number.MAX_SAFE_INTEGER / 2;

/** Cells per slot, and the offset of each field in a slot's cells. */
const STRIDE = 4;
const BASE = 0;
const EXCESS = 1;
const STAMP = 2;
const IN_FLIGHT = 3;

/**
 * The baseline moves at least `1 / SAMPLE_WINDOW` of the way to each sample (a running mean
 * over the first samples): time alone moves it too slowly within a burst.
 */
const SAMPLE_WINDOW = 8;
/** Share of the peak's excess left after each answer that does not raise it. */
const EXCESS_KEEP = 0.5;

/** Offsets in `times`. */
const PICK_TIME = 0;
const NEUTRAL = 1;
const COST_B = 2;
const COST_A = 3;

/**
 * Peak-EWMA latency estimates (Finagle `PeakEwma`, Linkerd/tower `RttEstimate`) plus in-flight
 * counts of many instances, in typed arrays indexed by slot (one slot per instance id), so a
 * pick reads numbers at an index: no map lookup, no object, no boxed double. Each estimate has
 * two parts:
 *
 * - a baseline, the EWMA of the samples, blended with weight `1 - exp(-elapsed / recoveryMs)`
 *   so it tracks wall-clock time, but at least `1 / SAMPLE_WINDOW` per sample (a running mean
 *   over the first ones), so a burst of answers moves it even when little time passes;
 * - a peak: a sample above the estimate is taken at once (a slowdown repels traffic on its
 *   first slow answer), then fades back to the baseline with `recoveryMs`, and halves with
 *   every answer that does not renew it.
 *
 * Reads also decay the whole estimate toward 0 with `decayMs`, so an instance that stopped
 * getting traffic because it was slow is eventually probed again.
 *
 * Layout: one `Float64Array` with four cells per slot (baseline, excess, time of the last
 * sample, in-flight count), so the two candidates of a pick cost one cache line each instead
 * of one line per field (five typed arrays before: at 10,000 instances those are L2 reads).
 *
 * NOTE: why two parts: with one peak-held value a spike on a fast instance (its first
 * connection, a GC pause, a busy host) held for ~`decayMs` (10 s), during which that instance
 * got no traffic to correct it, and a fresh client sent up to a quarter of its calls to a slow
 * instance. Now a spike fades within about `recoveryMs` (1 s), while a slow instance, whose
 * baseline is slow, is forgotten only by `decayMs`.
 *
 * @internal
 */
export class PeakEwmaTable {
  /** Bumped whenever slots are assigned or freed: position-to-slot caches compare it. */
  generation = 0;
  private readonly slots = new Map<string, number>();
  /** [pick time, neutral cost, cost of b, cost of a]: doubles kept unboxed between calls. */
  private readonly times = new Float64Array(4);
  private readonly free: number[] = [];
  private capacity = 0;
  /** `STRIDE` cells per slot: baseline, excess (how far the last peak stood above the baseline at the stamp), stamp, in-flight. */
  private cells: Float64Array = new Float64Array(0);
  /** Samples in each slot's baseline, up to `SAMPLE_WINDOW` (apart from `cells`: a pick never reads it). */
  private samples: Uint8Array = new Uint8Array(0);

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
    const at = slot * STRIDE;
    this.cells[at + BASE] = initialMs;
    this.cells[at + EXCESS] = 0;
    this.cells[at + STAMP] = now;
    this.cells[at + IN_FLIGHT] = 0;
    this.samples[slot] = 0;
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
    return this.cells[slot * STRIDE + IN_FLIGHT];
  }

  addInFlight(slot: number, delta: number): void {
    const at = slot * STRIDE + IN_FLIGHT;
    this.cells[at] = Math.max(0, this.cells[at] + delta);
  }

  /** False until the first sample when it started at 0 (nothing known about the fleet). */
  isMeasured(slot: number): boolean {
    return this.cells[slot * STRIDE + BASE] > 0;
  }

  /** The estimate at `now`, ms. */
  valueAt(slot: number, now: number): number {
    const at = slot * STRIDE;
    return (this.cells[at + BASE] + this.excessAt(at, now)) * Math.exp(-Math.max(0, now - this.cells[at + STAMP]) / this.decayMs);
  }

  /**
   * Whether slot `b` costs less than slot `a` at the pick time (`setPickTime`), cost =
   * estimate × (in-flight + 1); a slot of -1 (never started) costs the neutral estimate, an
   * unmeasured slot the neutral estimate × (in-flight + 1), or, while no neutral estimate is
   * known, 0 when idle and `PROBE_COST` with a probe in flight (wait for its answer).
   *
   * NOTE: integers in, a boolean out, and the two costs pass through `times`, never as a
   * return value: a double passed to or returned from a call TurboFan did not inline is a
   * 16-byte heap number. Whether it inlines a helper depends on the order of concurrent
   * compilations, so a `costOf(): number` helper made a pick allocate 32-48 bytes in about
   * half of the processes and nothing in the others.
   */
  isCheaper(b: number, a: number): boolean {
    this.costInto(b, COST_B);
    this.costInto(a, COST_A);
    return this.times[COST_B] < this.times[COST_A];
  }

  /** Time (ms) picks decay estimates to: the time of the last answer. */
  setPickTime(now: number): void {
    if (now > this.times[PICK_TIME]) this.times[PICK_TIME] = now;
  }

  /** What a slot that never started costs (the median estimate at the last membership change). */
  setNeutral(ms: number): void {
    this.times[NEUTRAL] = ms;
  }

  observe(slot: number, sampleMs: number, now: number): void {
    // NOTE: a floor of 1 µs keeps a measured instance measured (0 means "unknown").
    const sample = Math.max(sampleMs, 1e-3);
    const at = slot * STRIDE;
    const base = this.cells[at + BASE];
    const count = this.samples[slot];
    const excess = this.excessAt(at, now);
    let nextBase = sample;
    let nextExcess = 0;
    if (count > 0) {
      const byTime = Math.exp(-Math.max(0, now - this.cells[at + STAMP]) / this.recoveryMs);
      if (sample > base + excess) {
        // A peak: the estimate jumps to it at once; the baseline moves only with time, so one
        // spike does not stay in it.
        nextBase = base * byTime + sample * (1 - byTime);
        nextExcess = sample - nextBase;
      } else {
        // The weight kept: by elapsed time, but at most n / (n + 1) (a running mean), then (W - 1) / W.
        const byCount = 1 - 1 / (count + 1);
        const w = byTime < byCount ? byTime : byCount;
        nextBase = base * w + sample * (1 - w);
        // The peak halves, yet the estimate stays at least this answer.
        nextExcess = Math.max(excess * EXCESS_KEEP, sample - nextBase, 0);
      }
    }
    this.cells[at + BASE] = nextBase;
    this.cells[at + EXCESS] = nextExcess;
    this.cells[at + STAMP] = now;
    if (count < SAMPLE_WINDOW - 1) this.samples[slot] = count + 1;
  }

  /** Writes the cost of `slot` at the pick time into `times[out]`. */
  private costInto(slot: number, out: number): void {
    const times = this.times;
    if (slot < 0) {
      times[out] = times[NEUTRAL];
      return;
    }
    const cells = this.cells;
    const at = slot * STRIDE;
    const inFlight = cells[at + IN_FLIGHT];
    const base = cells[at + BASE];
    if (base <= 0) {
      // Unmeasured: at the neutral estimate once one is known, else one probe at a time.
      const neutral = times[NEUTRAL];
      times[out] = neutral > 0 ? neutral * (inFlight + 1) : inFlight > 0 ? PROBE_COST + inFlight : 0;
      return;
    }
    const excess = cells[at + EXCESS];
    const age = Math.max(0, times[PICK_TIME] - cells[at + STAMP]);
    const held = excess === 0 ? base : base + excess * Math.exp(-age / this.recoveryMs);
    times[out] = held * Math.exp(-age / this.decayMs) * (inFlight + 1);
  }

  /** The excess of the slot whose cells start at `at`, decayed to `now`. */
  private excessAt(at: number, now: number): number {
    const excess = this.cells[at + EXCESS];
    return excess === 0 ? 0 : excess * Math.exp(-Math.max(0, now - this.cells[at + STAMP]) / this.recoveryMs);
  }

  private grow(): number {
    const slot = this.capacity;
    if ((slot + 1) * STRIDE > this.cells.length) {
      const cells = new Float64Array(Math.max(8, slot * 2) * STRIDE);
      cells.set(this.cells);
      this.cells = cells;
      const samples = new Uint8Array(cells.length / STRIDE);
      samples.set(this.samples);
      this.samples = samples;
    }
    this.capacity++;
    return slot;
  }
}
