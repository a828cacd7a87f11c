import type { ServiceInstance } from '../../registry/service-instance.interface';
import { makeInstance, mulberry32 } from '../testing/balancing-testing.util';
import { hashString } from './hash.util';
import { HashRing } from './hash-ring.util';

const SEED = 20_261_202;
const KEY_COUNT = 10_000;

/** The plain lookup the bucket index replaces: binary search for the first point >= hash, wrapping. */
function searchOwner(ring: HashRing, hash: number): number {
  let lo = 0;
  let hi = ring.size;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ring.point(mid) < hash) lo = mid + 1;
    else hi = mid;
  }
  return ring.owner(lo % ring.size);
}

/** Seeded random string keys, plus the ring's edges: 0, 2^32 - 1, and exact point hashes ± 1. */
function hashes(ring: HashRing, random: () => number): number[] {
  const keys = Array.from({ length: KEY_COUNT }, () => hashString(`key-${Math.floor(random() * 2 ** 32).toString(36)}`));
  const edges = [0, 2 ** 32 - 1, ring.point(0), ring.point(ring.size - 1)];
  for (let n = 0; n < 100; n++) {
    const point = ring.point(Math.floor(random() * ring.size));
    edges.push(point, Math.max(0, point - 1), Math.min(2 ** 32 - 1, point + 1));
  }
  return [...keys, ...edges];
}

function fleet(count: number): ServiceInstance[] {
  return Array.from({ length: count }, (_, i) => makeInstance(`orders-${i}`));
}

describe(HashRing, () => {
  describe('lookup', () => {
    it.each([
      { instances: 1, virtualNodes: 1 },
      { instances: 2, virtualNodes: 1 },
      { instances: 3, virtualNodes: 100 },
      { instances: 10, virtualNodes: 100 },
      { instances: 100, virtualNodes: 7 },
      { instances: 1_000, virtualNodes: 100 },
    ])(
      `should return the owner a binary search finds for ${KEY_COUNT} random keys (seed ${SEED}): $instances instances × $virtualNodes points`,
      ({ instances, virtualNodes }) => {
        const list = fleet(instances);
        const ring = new HashRing(list, () => virtualNodes);
        const random = mulberry32(SEED + instances);
        const mismatches = hashes(ring, random).filter((hash) => ring.lookup(hash, list) !== searchOwner(ring, hash));
        expect(mismatches).toEqual([]);
      },
    );

    it(`should walk on from the binary-search position past excluded owners (seed ${SEED})`, () => {
      const list = fleet(20);
      const ring = new HashRing(list, () => 50);
      const random = mulberry32(SEED);
      const exclude = new Set(list.filter(() => random() < 0.5).map(({ id }) => id));
      expect(exclude.size).toBeGreaterThan(0);
      expect(exclude.size).toBeLessThan(list.length);
      for (const hash of hashes(ring, random).slice(0, 2_000)) {
        let i = 0;
        while (i < ring.size && ring.point(i) < hash) i++;
        while (exclude.has(list[ring.owner(i % ring.size)].id)) i++;
        expect(ring.lookup(hash, list, exclude)).toBe(ring.owner(i % ring.size));
      }
      expect(ring.lookup(0, list, new Set(list.map(({ id }) => id)))).toBe(-1);
    });
  });
});
