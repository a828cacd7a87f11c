import type { Redis } from 'ioredis';

/**
 * One Redis pub/sub connection shared by every watch of an adapter, opened on the first
 * subscription. Listeners of a channel run on each message of that channel and after every
 * (re)connection of the subscriber, when messages may have been missed; callers relist then.
 *
 * NOTE: `subscriber` is not one of the STYLE roles; the class is the pub/sub side of a
 * Redis client (neither an adapter nor a util function), and the name says so.
 */
export class RedisChangesSubscriber {
  private connection: Redis | undefined;
  private readonly listeners = new Map<string, Set<() => void>>();
  private isClosed = false;

  /** `connect` opens the dedicated subscriber connection (it must connect on its own). */
  constructor(private readonly connect: () => Redis) {}

  /** Calls `listener` on every message on `channel` and after every reconnection. Returns the unsubscribe function. */
  subscribe(channel: string, listener: () => void): () => void {
    if (this.isClosed) return () => undefined;
    const connection = (this.connection ??= this.open());
    let set = this.listeners.get(channel);
    if (!set) {
      this.listeners.set(channel, (set = new Set()));
      connection.subscribe(channel).catch(() => undefined);
    }
    set.add(listener);
    const listeners = set;
    return () => {
      listeners.delete(listener);
      if (listeners.size > 0 || this.listeners.get(channel) !== listeners) return;
      this.listeners.delete(channel);
      if (!this.isClosed) connection.unsubscribe(channel).catch(() => undefined);
    };
  }

  close(): void {
    this.isClosed = true;
    this.listeners.clear();
    this.connection?.disconnect();
    this.connection = undefined;
  }

  private open(): Redis {
    const connection = this.connect();
    connection.on('message', (channel: string) => this.notify(this.listeners.get(channel)));
    connection.on('ready', () => {
      // NOTE: ioredis resubscribes on its own, but only to channels whose SUBSCRIBE had
      // succeeded; one issued during an outage may have failed. SUBSCRIBE is idempotent.
      const channels = [...this.listeners.keys()];
      if (channels.length > 0) connection.subscribe(...channels).catch(() => undefined);
      for (const listeners of [...this.listeners.values()]) this.notify(listeners);
    });
    return connection;
  }

  private notify(listeners: Set<() => void> | undefined): void {
    for (const listener of [...(listeners ?? [])]) listener();
  }
}
