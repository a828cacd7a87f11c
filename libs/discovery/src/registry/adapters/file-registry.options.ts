/** Default poll period of `FileRegistryAdapter` watches, milliseconds. */
export const FILE_REGISTRY_DEFAULT_POLL_INTERVAL_MS = 500;
/** Default period of the sweeper that deletes long-expired entry files, milliseconds. */
export const FILE_REGISTRY_DEFAULT_SWEEP_INTERVAL_MS = 30_000;
/** Default time an entry file stays on disk after it expired, milliseconds. */
export const FILE_REGISTRY_DEFAULT_SWEEP_GRACE_MS = 60_000;

/**
 * Options of `FileRegistryAdapter`.
 *
 * @publicApi
 */
export interface FileRegistryOptions {
  /** Root directory shared by every process using this registry (created if missing). */
  directory: string;
  /** Clock in epoch milliseconds. All processes must share it (one machine). Default `Date.now`. */
  now?: () => number;
  /**
   * Watches re-read the service directory at least this often, besides reacting to
   * `fs.watch` events; it bounds how late an expiry or a missed event is noticed. Default 500.
   */
  pollIntervalMs?: number;
  /** How often this adapter deletes long-expired entry files; 0 disables. Default 30 000. */
  sweepIntervalMs?: number;
  /**
   * An expired entry file (or a temp file left by a crashed writer) is deleted only once it
   * has been expired this long. Expired entries are invisible anyway; this only keeps the
   * directory tidy without racing a slow writer. Default 60 000.
   */
  sweepGraceMs?: number;
  /** Lock files older than this are broken (their holder died). Default 5 000. */
  lockStaleMs?: number;
  /** How long a write waits for an entry's lock file. Default 10 000. */
  lockTimeoutMs?: number;
}
