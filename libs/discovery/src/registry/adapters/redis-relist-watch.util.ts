import { createSerialTask } from '../../utils/serial-task.util';
import type { RedisChangesSubscriber } from './redis-changes.subscriber';

/** What a Redis watch needs: where changes are announced, and how to read the state. */
export interface RedisRelistWatchOptions {
  subscriber: RedisChangesSubscriber;
  /** The pub/sub channel every write of the watched state publishes on. */
  channel: string;
  /** Safety-net period: relist at least this often (missed messages, expiries). */
  intervalMs: number;
  /**
   * Reads the state and emits it if it changed. Resolves with the milliseconds until the
   * next known expiry in that state (server clock), or `undefined` if nothing expires.
   */
  relist: () => Promise<number | undefined>;
}

/**
 * Keeps a watch in sync by relisting, never by applying messages: on every message of the
 * channel, after every reconnection of the subscriber, when the earliest entry of the last
 * read expires, and every `intervalMs`. Relists run one at a time (triggers coalesce), so
 * snapshots come out in order. A failed relist (server down) is dropped: the watch keeps
 * its last state and the next trigger retries. Returns the stop function.
 */
export function startRedisRelistWatch(options: RedisRelistWatchOptions): () => void {
  let expiryTimer: NodeJS.Timeout | undefined;
  let isStopped = false;
  const relist = createSerialTask(async () => {
    const nextExpiryInMs = await options.relist();
    clearTimeout(expiryTimer);
    if (nextExpiryInMs === undefined || isStopped) return;
    // NOTE: +1 ms so the server sees the entry expired when we read again.
    expiryTimer = setTimeout(() => relist.trigger(), Math.max(1, Math.min(nextExpiryInMs + 1, options.intervalMs)));
    expiryTimer.unref();
  });
  const unsubscribe = options.subscriber.subscribe(options.channel, () => relist.trigger());
  const interval = setInterval(() => relist.trigger(), options.intervalMs);
  interval.unref();
  relist.trigger();
  return () => {
    isStopped = true;
    relist.stop();
    unsubscribe();
    clearInterval(interval);
    clearTimeout(expiryTimer);
  };
}
