import type { ServiceInstance } from '../../registry/service-instance.interface';
import { hashString, mix32 } from './hash.util';

/** Ring points are sorted as one float: hash × 2^21 + owner index (exact below 2^53). */
const OWNER_SPACE = 2 ** 21;

/** The bucket index has at most 2^22 entries (16 MB), reached at 8 million points. */
const MAX_BUCKET_BITS = 22;

/**
 * Consistent-hash ring over one candidate list: sorted 32-bit points, each owned by an index
 * into the list. A point depends only on the owner's id and the virtual node number, so an
 * instance keeps its points across rebuilds and list orderings: adding or removing one instance
 * moves only the keys that land on its points.
 *
 * @internal
 */
export class HashRing {
  /** Point `i` at `2i`, its owner index at `2i + 1`: one cache line serves both reads of a pick. */
  private readonly entries: Uint32Array;
  /** Number of points. */
  readonly size: number;
  /**
   * `buckets[b]` = index of the first point at or after `b × 2^shift` (`size` when none): a pick
   * reads one entry and scans the few points of one bucket instead of binary-searching the whole
   * ring, whose ~log2(points) scattered reads miss the cache on a large ring.
   */
  private readonly buckets: Uint32Array;
  private readonly shift: number;

  constructor(instances: readonly ServiceInstance[], virtualNodes: (instance: ServiceInstance) => number) {
    // NOTE: owners must fit the low 21 bits of the sort key; 2 million instances is plenty.
    const owned = instances.slice(0, OWNER_SPACE);
    const counts = owned.map((instance) => Math.max(1, Math.round(virtualNodes(instance))));
    const keys = new Float64Array(counts.reduce((sum, count) => sum + count, 0));
    let k = 0;
    counts.forEach((count, owner) => {
      const base = hashString(owned[owner].id);
      // NOTE: xor with a mixed node number (not base + v × step) so that two instances can
      // share a point only by chance, never a whole run of points.
      for (let v = 0; v < count; v++) keys[k++] = mix32(base ^ mix32(v + 1)) * OWNER_SPACE + owner;
    });
    keys.sort();
    // NOTE: plain loops: TypedArray.from with a map function is ~100× slower on a large ring.
    this.size = keys.length;
    this.entries = new Uint32Array(keys.length * 2);
    for (let i = 0; i < keys.length; i++) {
      this.entries[2 * i] = Math.floor(keys[i] / OWNER_SPACE);
      this.entries[2 * i + 1] = keys[i] % OWNER_SPACE;
    }
    this.settleCollisions(owned);
    // About 2 points per bucket: 2 bytes per point more, and a scan of about one point per pick.
    const bits = Math.min(MAX_BUCKET_BITS, Math.max(1, Math.ceil(Math.log2(this.size)) - 1));
    this.shift = 32 - bits;
    this.buckets = new Uint32Array(2 ** bits);
    for (let b = 0, i = 0; b < this.buckets.length; b++) {
      const start = b * 2 ** this.shift;
      while (i < this.size && this.entries[2 * i] < start) i++;
      this.buckets[b] = i;
    }
  }

  /** Hash of point `i` (sorted ascending). */
  point(i: number): number {
    return this.entries[2 * i];
  }

  /** Owner index (into the instance list) of point `i`. */
  owner(i: number): number {
    return this.entries[2 * i + 1];
  }

  /**
   * Owner index of the first point at or after `hash` (clockwise, wrapping), skipping owners
   * in `exclude`; -1 when every owner is excluded. O(1) expected (one bucket read, a scan of
   * about one point) + the skipped points.
   */
  lookup(hash: number, instances: readonly ServiceInstance[], exclude?: ReadonlySet<string>): number {
    const { entries, size } = this;
    // The bucket's first point is at or before the answer, and every point in between is < hash.
    let first = this.buckets[hash >>> this.shift];
    while (first < size && entries[2 * first] < hash) first++;
    if (first === size) first = 0;
    if (exclude === undefined) return entries[2 * first + 1];
    for (let step = 0, i = first; step < size; step++, i = i + 1 === size ? 0 : i + 1) {
      const owner = entries[2 * i + 1];
      if (!exclude.has(instances[owner].id)) return owner;
    }
    return -1;
  }

  /** A point shared by several instances goes to the smallest id, whatever the list order. */
  private settleCollisions(instances: readonly ServiceInstance[]): void {
    const { entries, size } = this;
    for (let start = 0, end = 1; start < size; start = end++) {
      while (end < size && entries[2 * end] === entries[2 * start]) end++;
      for (let j = start + 1; j < end; j++) {
        const [a, b] = [2 * start + 1, 2 * j + 1];
        if (instances[entries[b]].id < instances[entries[a]].id) [entries[a], entries[b]] = [entries[b], entries[a]];
      }
    }
  }
}
