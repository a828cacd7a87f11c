/** Default quiet period of a `ThrottledLog` (ms). */
export const THROTTLED_LOG_DEFAULT_INTERVAL_MS = 10_000;

/**
 * One log line per `intervalMs` for a kind of event that a peer can repeat at will (junk
 * messages, refused connections): the first is written at once, the others in the period
 * are counted, and at the end of the period one line gives the last of them and how many
 * were left out. A flood of 2,000 junk messages then costs a few lines, not 2,000.
 */
export class ThrottledLog {
  private suppressed = 0;
  private lastSuppressed = '';
  private lastWrittenAt = Number.NEGATIVE_INFINITY;
  private flushTimer?: NodeJS.Timeout;

  constructor(
    private readonly write: (line: string) => void,
    private readonly intervalMs = THROTTLED_LOG_DEFAULT_INTERVAL_MS,
  ) {}

  /** Lines left out and not yet summed up. */
  get pending(): number {
    return this.suppressed;
  }

  log(line: string): void {
    const now = Date.now();
    if (now - this.lastWrittenAt >= this.intervalMs && this.suppressed === 0) {
      this.lastWrittenAt = now;
      this.write(line);
      return;
    }
    this.suppressed++;
    this.lastSuppressed = line;
    // NOTE: unref'd: a pending summary never keeps a process alive.
    this.flushTimer ??= setTimeout(() => this.flush(), Math.max(0, this.lastWrittenAt + this.intervalMs - now)).unref();
  }

  /** Writes the summary of what was left out, if anything. */
  flush(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.suppressed === 0) return;
    const count = this.suppressed;
    this.suppressed = 0;
    this.lastWrittenAt = Date.now();
    this.write(count === 1 ? this.lastSuppressed : `${this.lastSuppressed} (and ${count - 1} more like it not logged)`);
  }
}
