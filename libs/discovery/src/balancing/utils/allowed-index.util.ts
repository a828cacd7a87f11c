import type { ServiceInstance } from '../../registry/service-instance.interface';

/**
 * First index at or after `start` (wrapping around) whose instance is not excluded, or -1.
 * O(1) when nothing is excluded; at most one lap otherwise. Allocates nothing.
 *
 * @internal
 */
export function nextAllowedIndex(instances: readonly ServiceInstance[], start: number, exclude: ReadonlySet<string> | undefined): number {
  const n = instances.length;
  if (exclude === undefined || exclude.size === 0) return n === 0 ? -1 : start % n;
  for (let step = 0; step < n; step++) {
    const i = (start + step) % n;
    if (!exclude.has(instances[i].id)) return i;
  }
  return -1;
}

/** Index in [0, n) from a `random()` in [0, 1), robust to a generator that returns 1. @internal */
export function randomIndex(random: () => number, n: number): number {
  return Math.min(n - 1, Math.floor(random() * n));
}
