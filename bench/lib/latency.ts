// Latency samples and their summary: a growable Float64Array of milliseconds, summarised by
// sorting (exact percentiles; a run keeps at most a few hundred thousand samples).

export interface LatencySummary {
  n: number;
  meanMs: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
}

export class LatencyRecorder {
  private samples: Float64Array;
  private size = 0;

  constructor(initialCapacity = 16_384) {
    this.samples = new Float64Array(initialCapacity);
  }

  get count(): number {
    return this.size;
  }

  record(ms: number): void {
    if (this.size === this.samples.length) {
      const grown = new Float64Array(this.samples.length * 2);
      grown.set(this.samples);
      this.samples = grown;
    }
    this.samples[this.size++] = ms;
  }

  /** Adds every sample of `other` (to pool rounds). */
  merge(other: LatencyRecorder): void {
    for (let i = 0; i < other.size; i++) this.record(other.samples[i]);
  }

  summary(): LatencySummary {
    return summarize(this.samples.subarray(0, this.size));
  }
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

/** Exact percentiles (nearest rank) of `values`, in ms rounded to the microsecond. */
export function summarize(values: ArrayLike<number>): LatencySummary {
  const sorted = Float64Array.from(values).sort();
  const n = sorted.length;
  if (n === 0) return { n: 0, meanMs: 0, p50Ms: 0, p90Ms: 0, p99Ms: 0, p999Ms: 0, maxMs: 0 };
  const at = (q: number): number => sorted[Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))];
  let sum = 0;
  for (let i = 0; i < n; i++) sum += sorted[i];
  return {
    n,
    meanMs: round3(sum / n),
    p50Ms: round3(at(0.5)),
    p90Ms: round3(at(0.9)),
    p99Ms: round3(at(0.99)),
    p999Ms: round3(at(0.999)),
    maxMs: round3(sorted[n - 1]),
  };
}

export function median(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** `a / b` rounded to 0.01, or null when `b` is 0. */
export function ratio(a: number, b: number): number | null {
  return b > 0 ? Math.round((a / b) * 100) / 100 : null;
}
