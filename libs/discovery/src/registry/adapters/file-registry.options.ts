/** Default poll period of `FileRegistryAdapter` watches, milliseconds. */
export const FILE_REGISTRY_DEFAULT_POLL_INTERVAL_MS = 500;
/** Default period of the sweeper that deletes long-expired entry files, milliseconds. */
export const FILE_REGISTRY_DEFAULT_SWEEP_INTERVAL_MS = 30_000;
/** Default cap on the size of one entry file, bytes: larger files are skipped unread. */
export const FILE_REGISTRY_DEFAULT_MAX_ENTRY_BYTES = 64 * 1024;
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
   * Watch poll period. Each poll `stat`s the service directory (one call) and applies
   * expiries from what it holds; files are read only when `fs.watch` names them or, when
   * `fs.watch` is unavailable, when the directory changed. A full rescan (one `lstat` per
   * file, re-reading only files whose inode, size or times changed) runs every 20 polls as
   * a safety net for missed events. Default 500.
   */
  pollIntervalMs?: number;
  /**
   * Largest entry file read, bytes. Bigger files (and anything that is not a regular file:
   * directories, FIFOs, sockets, symlinks) are skipped unread and counted as invalid; a
   * registration whose entry would be bigger is rejected. An integer >= 1024; default 65 536.
   */
  maxEntryBytes?: number;
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
