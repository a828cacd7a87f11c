/**
 * xorshift32 over a `Uint32Array` cell: uniform integers without boxed doubles (a
 * `Math.random()` result kept across a call is a heap number, ~16 bytes per pick).
 * Seeded from `Math.random` once; the strategies take a `random` option for seeded tests.
 *
 * @internal
 */
export class IntegerRandom {
  private readonly state = new Uint32Array(1);

  constructor(seed = Math.random() * 0xffffffff) {
    this.state[0] = seed | 1;
  }

  /** A uniform integer in [0, n) (modulo bias below 2^-20 for n < 4096, negligible for balancing). */
  below(n: number): number {
    let x = this.state[0];
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state[0] = x;
    return this.state[0] % n;
  }
}
