import type { ServiceInstance } from '../../registry/service-instance.interface';
import { hashString, mix32 } from './hash.util';

/** Ring points are sorted as one float: hash × 2^21 + owner index (exact below 2^53). */
const OWNER_SPACE = 2 ** 21;

/**
 * Consistent-hash ring over one candidate list: sorted 32-bit points, each owned by an index
 * into the list. A point depends only on the owner's id and the virtual node number, so an
 * instance keeps its points across rebuilds and list orderings: adding or removing one instance
 * moves only the keys that land on its points.
 *
 * @internal
 */
export class HashRing {
  private readonly points: Uint32Array;
  private readonly owners: Int32Array;

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
    this.points = new Uint32Array(keys.length);
    this.owners = new Int32Array(keys.length);
    for (let i = 0; i < keys.length; i++) {
      this.points[i] = Math.floor(keys[i] / OWNER_SPACE);
      this.owners[i] = keys[i] % OWNER_SPACE;
    }
    this.settleCollisions(owned);
  }

  /**
   * Owner index of the first point at or after `hash` (clockwise, wrapping), skipping owners
   * in `exclude`; -1 when every owner is excluded. O(log points) + the skipped points.
   */
  lookup(hash: number, instances: readonly ServiceInstance[], exclude?: ReadonlySet<string>): number {
    const points = this.points;
    let lo = 0;
    let hi = points.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (points[mid] < hash) lo = mid + 1;
      else hi = mid;
    }
    for (let step = 0; step < points.length; step++) {
      const owner = this.owners[(lo + step) % points.length];
      if (exclude === undefined || !exclude.has(instances[owner].id)) return owner;
    }
    return -1;
  }

  /** A point shared by several instances goes to the smallest id, whatever the list order. */
  private settleCollisions(instances: readonly ServiceInstance[]): void {
    const { points, owners } = this;
    for (let start = 0, end = 1; start < points.length; start = end++) {
      while (end < points.length && points[end] === points[start]) end++;
      for (let j = start + 1; j < end; j++) {
        if (instances[owners[j]].id < instances[owners[start]].id) [owners[start], owners[j]] = [owners[j], owners[start]];
      }
    }
  }
}
