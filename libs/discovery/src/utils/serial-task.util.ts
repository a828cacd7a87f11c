/**
 * A task that never runs concurrently with itself. `trigger()` while a run is in progress
 * schedules exactly one more run after it (extra triggers coalesce), so the last run always
 * starts after the last trigger. Used by watchers to re-read state and emit snapshots in order.
 */
export interface SerialTask {
  trigger(): void;
  /** No run starts after this; a run in progress finishes. */
  stop(): void;
}

export function createSerialTask(run: () => Promise<void>): SerialTask {
  let running = false;
  let pending = false;
  let stopped = false;
  const loop = async (): Promise<void> => {
    running = true;
    try {
      while (pending && !stopped) {
        pending = false;
        try {
          await run();
        } catch {
          // NOTE: the task owns its error policy; a failed run is retried on the next trigger.
        }
      }
    } finally {
      running = false;
    }
  };
  return {
    trigger() {
      if (stopped) return;
      pending = true;
      if (!running) void loop();
    },
    stop() {
      stopped = true;
      pending = false;
    },
  };
}
