import { watch, type FSWatcher } from 'node:fs';
import { mkdir } from 'node:fs/promises';

export interface DirectoryWatchOptions {
  /** Poll period, the fallback when `fs.watch` misses events or is unavailable. */
  pollIntervalMs: number;
}

/**
 * Calls `onChange` whenever something in `dir` may have changed: on every `fs.watch` event
 * (inotify on Linux, fast but not guaranteed: it can miss events, and dies if the directory
 * is replaced) and on every poll tick. Creates `dir` if needed. `onChange` must be cheap to
 * call repeatedly (typically a {@link SerialTask} trigger). Returns a stop function that
 * closes the watcher and the timer; both are unref'd so they never keep a process alive.
 */
export function watchDirectory(dir: string, onChange: () => void, options: DirectoryWatchOptions): () => void {
  let stopped = false;
  let watcher: FSWatcher | undefined;
  const poll = setInterval(onChange, options.pollIntervalMs);
  poll.unref();
  const startWatcher = (): void => {
    if (stopped) return;
    try {
      watcher = watch(dir, { persistent: false }, onChange);
      // NOTE: a dead watcher (directory removed, inotify limits) is dropped: polling continues.
      watcher.on('error', () => {
        watcher?.close();
        watcher = undefined;
      });
    } catch {
      watcher = undefined;
    }
  };
  mkdir(dir, { recursive: true }).then(startWatcher, startWatcher);
  return () => {
    stopped = true;
    clearInterval(poll);
    watcher?.close();
    watcher = undefined;
  };
}
