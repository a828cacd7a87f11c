/**
 * Peak-EWMA latency estimate of one instance (Finagle `PeakEwma`, Linkerd/tower `RttEstimate`),
 * plus its in-flight count, in two parts:
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
export class PeakEwma {
  inFlight = 0;
  private baseMs: number;
  /** How far the last peak stood above the baseline at `peakStamp`. */
  private excessMs = 0;
  private peakStamp: number;

  constructor(
    initialMs: number,
    private stamp: number,
    private readonly decayMs: number,
    private readonly recoveryMs: number = decayMs,
  ) {
    this.baseMs = initialMs;
    this.peakStamp = stamp;
  }

  /** False until the first sample when it started at 0 (nothing known about the fleet). */
  get isMeasured(): boolean {
    return this.baseMs > 0;
  }

  /** The estimate at `now`, ms. */
  valueAt(now: number): number {
    return (this.baseMs + this.excessAt(now)) * Math.exp(-Math.max(0, now - this.stamp) / this.decayMs);
  }

  observe(sampleMs: number, now: number): void {
    // NOTE: a floor of 1 µs keeps a measured instance measured (0 means "unknown").
    const sample = Math.max(sampleMs, 1e-3);
    const held = this.baseMs + this.excessAt(now);
    const excess = this.excessAt(now);
    const w = this.baseMs === 0 ? 0 : Math.exp(-Math.max(0, now - this.stamp) / this.recoveryMs);
    this.baseMs = this.baseMs * w + sample * (1 - w);
    // A slower answer than the estimate is taken at once; a faster one lets the peak fade on.
    this.excessMs = sample > held ? sample - this.baseMs : excess;
    this.peakStamp = now;
    this.stamp = now;
  }

  private excessAt(now: number): number {
    return this.excessMs === 0 ? 0 : this.excessMs * Math.exp(-Math.max(0, now - this.peakStamp) / this.recoveryMs);
  }
}
