/**
 * A clock tests move by hand. Pass `clock.now` wherever Orion takes a `now` function
 * (registries, electors, strategies, retry budget, outlier detector); timers scheduled
 * with `setTimeout` run when `advance` passes their time, in order.
 *
 * @publicApi
 */
export class FakeClock {
  private time: number;
  private readonly timers: Array<{ at: number; run: () => void; seq: number }> = [];
  private seq = 0;

  constructor(start = 1_700_000_000_000) {
    this.time = start;
  }

  /** Current time, epoch ms. Bound, so it can be passed around as a function. */
  readonly now = (): number => this.time;

  /** Runs `run` once `ms` have passed on this clock. */
  setTimeout(run: () => void, ms: number): void {
    this.timers.push({ at: this.time + Math.max(0, ms), run, seq: this.seq++ });
    this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
  }

  /** Moves time forward, running due timers in order. */
  advance(ms: number): void {
    const target = this.time + ms;
    while (this.timers.length > 0 && this.timers[0].at <= target) {
      const timer = this.timers.shift()!;
      this.time = timer.at;
      timer.run();
    }
    this.time = target;
  }

  /** Timers not yet run. */
  get pending(): number {
    return this.timers.length;
  }
}
