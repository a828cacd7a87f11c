/** First delay before restarting a crashed child; doubles per crash in a row. */
export const RESTART_FIRST_DELAY_MS = 1000;
/** Longest delay between restarts of a child that keeps crashing. */
export const RESTART_MAX_DELAY_MS = 30_000;
/** A child that ran this long before it crashed starts the backoff over. */
export const RESTART_STABLE_AFTER_MS = 60_000;

/**
 * Capped exponential backoff of one child's restarts (1 s, 2 s, 4 s ... 30 s), as a
 * supervisor does: a child crashing at start does not spin the machine, one that crashes
 * once after running a while comes back at once.
 */
export class RestartBackoff {
  /** Restarts so far (shown in the log and on the dashboard). */
  restarts = 0;
  private crashesInARow = 0;

  /** The delay before the next restart of a child that ran for `uptimeMs` and crashed. */
  next(uptimeMs: number): number {
    this.crashesInARow = uptimeMs >= RESTART_STABLE_AFTER_MS ? 1 : this.crashesInARow + 1;
    this.restarts++;
    return Math.min(RESTART_MAX_DELAY_MS, RESTART_FIRST_DELAY_MS * 2 ** (this.crashesInARow - 1));
  }
}
