import type { ServiceInstance } from '../../registry/service-instance.interface';

/**
 * mulberry32: a tiny seeded PRNG with uniform output in [0, 1), so strategy tests are
 * deterministic.
 */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A passing instance of service "orders" with weight 1; `overrides` replace any field. */
export function makeInstance(id: string, overrides: Partial<ServiceInstance> = {}): ServiceInstance {
  return {
    id,
    service: 'orders',
    version: '1.0.0',
    weight: 1,
    metadata: {},
    status: 'passing',
    endpoints: [{ protocol: 'tcp', host: '127.0.0.1', port: 4000 }],
    registeredAt: 0,
    renewedAt: 0,
    ...overrides,
  };
}

/** Instances "a", "b", "c", ... (or the given ids). */
export function makeInstances(idsOrCount: number | readonly string[]): ServiceInstance[] {
  const ids = typeof idsOrCount === 'number' ? Array.from({ length: idsOrCount }, (_, i) => String.fromCharCode(97 + i)) : idsOrCount;
  return ids.map((id) => makeInstance(id));
}

/** How many times each id occurs in `picks`. */
export function countById(picks: readonly (ServiceInstance | undefined)[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const pick of picks) if (pick !== undefined) counts[pick.id] = (counts[pick.id] ?? 0) + 1;
  return counts;
}

/** The ids of `count` successive picks of `pick()`. */
export function pickIds(pick: () => ServiceInstance | undefined, count: number): (string | undefined)[] {
  return Array.from({ length: count }, () => pick()?.id);
}
