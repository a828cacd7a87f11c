/**
 * Peak-EWMA latency estimate of one instance (Finagle `PeakEwma`, Linkerd/tower `RttEstimate`),
 * plus its in-flight count. A sample above the estimate replaces it at once (reacts to a
 * slowdown immediately); a lower sample is blended in with weight `1 - exp(-elapsed / decayMs)`,
 * so the estimate tracks wall-clock time, not request count. Reads also decay it toward 0, so an
 * instance that stopped getting traffic because it was slow is eventually probed again.
 *
 * @internal
 */
export class PeakEwma {
  inFlight = 0;

  constructor(
    private ewmaMs: number,
    private stamp: number,
    private readonly decayMs: number,
  ) {}

  /** False until the first sample when it started at 0 (nothing known about the fleet). */
  get isMeasured(): boolean {
    return this.ewmaMs > 0;
  }

  /** The estimate at `now`, ms. */
  valueAt(now: number): number {
    return this.ewmaMs * this.decay(now);
  }

  observe(sampleMs: number, now: number): void {
    // NOTE: a floor of 1 µs keeps a measured instance measured (0 means "unknown").
    const sample = Math.max(sampleMs, 1e-3);
    const w = this.decay(now);
    this.ewmaMs = sample > this.ewmaMs ? sample : this.ewmaMs * w + sample * (1 - w);
    this.stamp = now;
  }

  private decay(now: number): number {
    return Math.exp(-Math.max(0, now - this.stamp) / this.decayMs);
  }
}
