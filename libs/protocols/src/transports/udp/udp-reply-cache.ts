import { UDP_DEFAULT_REPLY_CACHE_MAX_ENTRIES, UDP_DEFAULT_REPLY_CACHE_TTL_MS } from './udp.constants';
import { UDP_INVALID_OPTION } from './udp.messages';
import type { UdpReplyCacheOptions } from './udp.options';

type Entry = { state: 'in-flight' } | { state: 'done'; reply: Buffer; expiresAt: number };

/** What the cache knows of a request: first sight, still running, or answered. */
export type UdpReplyCacheLookup = { state: 'new' } | { state: 'in-flight' } | { state: 'done'; reply: Buffer };

/**
 * Duplicate suppression for `UdpServer`: remembers each request (by sender and id) while
 * its handler runs and its encoded reply for `ttlMs` afterwards, so that a retransmission
 * is ignored or answered again instead of running the handler twice.
 *
 * Bounded by `maxEntries` (the oldest entry is forgotten first, running or not: memory is
 * capped at `maxEntries` × the datagram limit) and by time (answered entries expire;
 * `sweep()` frees them, lookups ignore them). Time is injected so tests need no timers.
 * @internal
 */
export class UdpReplyCache {
  private readonly entries = new Map<string, Entry>();
  readonly ttlMs: number;
  readonly maxEntries: number;

  constructor(
    options: UdpReplyCacheOptions = {},
    private readonly now: () => number = Date.now,
  ) {
    this.ttlMs = options.ttlMs ?? UDP_DEFAULT_REPLY_CACHE_TTL_MS;
    this.maxEntries = options.maxEntries ?? UDP_DEFAULT_REPLY_CACHE_MAX_ENTRIES;
    if (!(this.ttlMs > 0)) throw new RangeError(UDP_INVALID_OPTION('replyCache.ttlMs', 'a positive number'));
    if (!Number.isInteger(this.maxEntries) || this.maxEntries < 1) {
      throw new RangeError(UDP_INVALID_OPTION('replyCache.maxEntries', 'a positive integer'));
    }
  }

  get size(): number {
    return this.entries.size;
  }

  /**
   * Looks a request up. On first sight (or once its reply expired) it is marked in flight
   * and `new` tells the caller to run it.
   */
  claim(key: string): UdpReplyCacheLookup {
    const entry = this.entries.get(key);
    if (entry?.state === 'in-flight') return { state: 'in-flight' };
    if (entry?.state === 'done' && entry.expiresAt > this.now()) return { state: 'done', reply: entry.reply };
    this.entries.delete(key);
    this.store(key, { state: 'in-flight' });
    return { state: 'new' };
  }

  /** Records the encoded reply of a request; it is served to duplicates for `ttlMs`. */
  complete(key: string, reply: Buffer): void {
    // Re-inserted so that the map stays ordered by expiry among answered entries.
    this.entries.delete(key);
    this.store(key, { state: 'done', reply, expiresAt: this.now() + this.ttlMs });
  }

  /** Forgets a request that will not be answered, so a retransmission runs it. */
  abandon(key: string): void {
    if (this.entries.get(key)?.state === 'in-flight') this.entries.delete(key);
  }

  /** Frees expired replies; returns how many. */
  sweep(): number {
    const now = this.now();
    let freed = 0;
    for (const [key, entry] of this.entries) {
      if (entry.state === 'in-flight') continue;
      // Answered entries are in expiry order: the first live one ends the sweep.
      if (entry.expiresAt > now) break;
      this.entries.delete(key);
      freed++;
    }
    return freed;
  }

  clear(): void {
    this.entries.clear();
  }

  private store(key: string, entry: Entry): void {
    this.entries.set(key, entry);
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }
}
