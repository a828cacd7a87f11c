import { Logger } from '@nestjs/common';
import type { ServiceRegistryStats } from './service-registry.interface';

/** How many distinct problems are remembered for log de-duplication (oldest forgotten first). */
const MEMORY = 10_000;
/** At most this many lines per minute: a directory of 100,000 bad files must not flood the log. */
const MAX_LINES_PER_MINUTE = 100;

/**
 * What one registry adapter skipped while reading: counts invalid entries and read errors,
 * and logs each once (per entry key and reason), not on every poll or relist, so a
 * hostile entry costs one log line however often it is read; at most 100 lines a minute.
 *
 * NOTE: a class in a `util` file: it is the adapters' shared helper, not a public service.
 */
export class SkippedEntries {
  private readonly logger: Logger;
  private readonly seen = new Map<string, string>();
  private invalid = 0;
  private failed = 0;
  private windowStart = 0;
  private linesInWindow = 0;
  private suppressed = 0;

  constructor(backend: string) {
    this.logger = new Logger(backend);
  }

  /** An entry at `key` that failed the instance schema (or could not be parsed). */
  invalidEntry(key: string, reason: string): void {
    if (!this.isNew(key, `invalid:${reason}`)) return;
    this.invalid++;
    this.warn(`skipping invalid registry entry ${JSON.stringify(key)}: ${reason}`);
  }

  /** An entry or directory at `key` that could not be read. */
  readError(key: string, error: unknown): void {
    const reason = (error as NodeJS.ErrnoException)?.code ?? (error as Error)?.message ?? String(error);
    if (!this.isNew(key, `failed:${reason}`)) return;
    this.failed++;
    this.warn(`cannot read registry entry ${JSON.stringify(key)} (${reason}); keeping what was last read`);
  }

  /** `key` read fine (or is gone): a later problem with it is logged again. */
  clear(key: string): void {
    this.seen.delete(key);
  }

  stats(staleWatches = 0): ServiceRegistryStats {
    return { invalidEntries: this.invalid, readErrors: this.failed, staleWatches };
  }

  /** Logs `message` unless this minute's budget is spent (then counts it, and says so later). */
  private warn(message: string): void {
    const now = Date.now();
    if (now - this.windowStart >= 60_000) {
      if (this.suppressed > 0) this.logger.warn(`${this.suppressed} more skipped registry entries were not logged (rate limit)`);
      this.windowStart = now;
      this.linesInWindow = 0;
      this.suppressed = 0;
    }
    if (++this.linesInWindow > MAX_LINES_PER_MINUTE) this.suppressed++;
    else this.logger.warn(message);
  }

  private isNew(key: string, problem: string): boolean {
    if (this.seen.get(key) === problem) return false;
    this.seen.delete(key);
    this.seen.set(key, problem);
    if (this.seen.size > MEMORY) this.seen.delete(this.seen.keys().next().value as string);
    return true;
  }
}
