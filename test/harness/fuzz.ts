/**
 * A tiny, reproducible fuzzer for the bad-input suites: a seeded PRNG (mulberry32), a few
 * generators and a loop that names the seed and the input number when an assertion fails.
 * Rerun one failure with `FUZZ_SEED=<seed> npx jest test/bad-input-<proto>.e2e-spec.ts`.
 */

/** Seed of every fuzz loop; override with FUZZ_SEED to reproduce a failure. */
export const FUZZ_SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : 0x0b1a5ed;

/** Number of inputs per protocol loop (bounded so the suites stay fast). */
export const FUZZ_COUNT = 200;

/** mulberry32: 32-bit state, good enough to spread inputs, trivially reproducible. */
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

export class Fuzzer {
  private readonly next: () => number;

  constructor(readonly seed: number) {
    this.next = mulberry32(seed);
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  bytes(max: number): Buffer {
    const out = Buffer.alloc(this.int(max + 1));
    for (let i = 0; i < out.length; i++) out[i] = this.int(256);
    return out;
  }

  /** Printable-ish text, biased towards JSON punctuation so parsers get deeper. */
  text(max: number): string {
    const alphabet = '{}[]":,#0123456789abcdefxyz\\ \n\t-.eE' + 'é漢\u0000\u2028';
    let out = '';
    const length = this.int(max + 1);
    for (let i = 0; i < length; i++) out += alphabet[this.int(alphabet.length)];
    return out;
  }

  /** A few byte-level edits of `input`: flip, insert, delete, truncate, duplicate. */
  mutate(input: Buffer): Buffer {
    let out = Buffer.from(input);
    const edits = 1 + this.int(4);
    for (let e = 0; e < edits; e++) {
      const at = out.length === 0 ? 0 : this.int(out.length);
      switch (this.int(5)) {
        case 0:
          if (out.length > 0) out[at] = this.int(256);
          break;
        case 1:
          out = Buffer.concat([out.subarray(0, at), this.bytes(8), out.subarray(at)]);
          break;
        case 2:
          out = Buffer.concat([out.subarray(0, at), out.subarray(at + 1 + this.int(8))]);
          break;
        case 3:
          out = out.subarray(0, at);
          break;
        default:
          out = Buffer.concat([out, out.subarray(at)]);
      }
    }
    return out;
  }
}

/**
 * Runs `count` inputs (in batches of `parallel`) and rethrows the first failure with the
 * seed and the input number, so a red run can be replayed exactly.
 */
export async function fuzzLoop(
  name: string,
  seed: number,
  count: number,
  body: (fuzzer: Fuzzer, index: number) => Promise<void>,
  parallel = 1,
): Promise<void> {
  const fuzzer = new Fuzzer(seed);
  for (let start = 0; start < count; start += parallel) {
    // Inputs are drawn in order before any of the batch runs, so a batch is reproducible.
    const batch: Array<Promise<void>> = [];
    for (let index = start; index < Math.min(count, start + parallel); index++) {
      const child = new Fuzzer(fuzzer.int(2 ** 31));
      batch.push(
        body(child, index).catch((error: unknown) => {
          const message = error instanceof Error ? error.message : String(error);
          throw new Error(`${name}: input #${index} failed (FUZZ_SEED=${seed}, input seed ${child.seed}): ${message}`, { cause: error });
        }),
      );
    }
    await Promise.all(batch);
  }
}

/** `[[[...]]]` nested `depth` times, as JSON text. */
export function deeplyNestedJson(depth: number): string {
  return '['.repeat(depth) + ']'.repeat(depth);
}

/** Whether anything leaked onto Object.prototype (prototype pollution). */
export function isPrototypePolluted(): boolean {
  const probe = {} as Record<string, unknown>;
  return probe.polluted !== undefined || Object.keys(Object.prototype).length > 0;
}
