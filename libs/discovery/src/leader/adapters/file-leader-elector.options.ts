/** Default poll period of `FileLeaderElector` watches, milliseconds. */
export const FILE_LEADER_DEFAULT_POLL_INTERVAL_MS = 500;

/**
 * Options of `FileLeaderElector`.
 *
 * @publicApi
 */
export interface FileLeaderElectorOptions {
  /** Root directory shared by every candidate process (created if missing). */
  directory: string;
  /** Clock in epoch milliseconds. All processes must share it (one machine). Default `Date.now`. */
  now?: () => number;
  /** Watches re-read the lease file at least this often besides `fs.watch` events. Default 500. */
  pollIntervalMs?: number;
  /** `validUntil = expiresAt - safetyMarginMs`. Default: a tenth of the TTL, 1 ms..1 s. */
  safetyMarginMs?: number;
  /** Lock files older than this are broken (their holder died). Default 5 000. */
  lockStaleMs?: number;
  /** How long an operation waits for the group's lock file. Default 10 000. */
  lockTimeoutMs?: number;
}
