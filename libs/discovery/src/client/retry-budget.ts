/**
 * Limits retries to a share of recent requests plus a small floor per second, over a
 * sliding window of `windowSeconds` one-second buckets (Finagle/Envoy style), so retries
 * cannot multiply load during an outage.
 *
 * @publicApi
 */
export class RetryBudget {
  private readonly requests: number[];
  private readonly retries: number[];
  private bucketStart = 0;
  private index = 0;

  constructor(
    private readonly ratio = 0.2,
    private readonly minPerSecond = 5,
    private readonly windowSeconds = 10,
    private readonly now: () => number = Date.now,
  ) {
    this.requests = new Array<number>(windowSeconds).fill(0);
    this.retries = new Array<number>(windowSeconds).fill(0);
  }

  /** Counts a first attempt. */
  recordRequest(): void {
    this.advance();
    this.requests[this.index]++;
  }

  /** Takes one retry from the budget; false when it is spent. */
  tryRetry(): boolean {
    this.advance();
    const requests = sum(this.requests);
    const retries = sum(this.retries);
    if (retries >= this.ratio * requests + this.minPerSecond * this.windowSeconds) return false;
    this.retries[this.index]++;
    return true;
  }

  private advance(): void {
    const second = Math.floor(this.now() / 1000);
    if (this.bucketStart === 0) this.bucketStart = second;
    const steps = Math.min(second - this.bucketStart, this.windowSeconds);
    for (let i = 0; i < steps; i++) {
      this.index = (this.index + 1) % this.windowSeconds;
      this.requests[this.index] = 0;
      this.retries[this.index] = 0;
    }
    if (steps > 0) this.bucketStart = second;
  }
}

function sum(values: number[]): number {
  let total = 0;
  for (const value of values) total += value;
  return total;
}
