// The per-contender tally of the slow-instance scenario: each repetition's p99, p50 and
// req/s, the requests each instance served, and all samples pooled; summarised as the median
// of the per-repetition p99 with its min and max.
import { LatencyRecorder, median, type LatencySummary } from './latency';
import type { LoadResult } from './load';

export interface Runner {
  id: string;
  name: string;
  isSlowPhase: boolean;
  call: (n: number) => Promise<unknown>;
  /** Requests each instance served since the last call (resets the counters). */
  served: () => Promise<number[]>;
}

export interface Tally {
  p99: number[];
  p50: number[];
  rps: number[];
  served: number[];
  requests: number;
  errors: number;
  errorSamples: string[];
  recorder: LatencyRecorder;
}

export interface SlowRunFigures {
  name: string;
  phase: 'healthy' | 'slow';
  repetitions: number;
  /** Median over the repetitions of each repetition's p99, with min and max (ms). */
  p99Ms: { median: number; min: number; max: number };
  p50Ms: number;
  rps: number;
  /** Share of all its requests that the slow instance served (0 in the healthy phase). */
  slowShare: number;
  served: number[];
  requests: number;
  errors: number;
  errorSamples: string[];
  /** All samples of all repetitions pooled. */
  latency: LatencySummary;
  /** Each repetition's p99 (ms). */
  p99Reps: number[];
}

export function summarizeTally(r: Runner, t: Tally, slowIndex: number): SlowRunFigures {
  const total = t.served.reduce((a, b) => a + b, 0);
  return {
    name: r.name,
    phase: r.isSlowPhase ? 'slow' : 'healthy',
    repetitions: t.p99.length,
    p99Ms: { median: median(t.p99), min: Math.min(...t.p99), max: Math.max(...t.p99) },
    p50Ms: median(t.p50),
    rps: median(t.rps),
    slowShare: r.isSlowPhase && total > 0 ? Math.round((t.served[slowIndex] / total) * 10_000) / 10_000 : 0,
    served: t.served,
    requests: t.requests,
    errors: t.errors,
    errorSamples: t.errorSamples,
    latency: t.recorder.summary(),
    p99Reps: t.p99,
  };
}

/** Adds one repetition's result and served counts to `t` (created on first use). */
export function addRepetition(t: Tally | undefined, result: LoadResult, served: number[]): Tally {
  const tally = t ?? {
    p99: [],
    p50: [],
    rps: [],
    served: served.map(() => 0),
    requests: 0,
    errors: 0,
    errorSamples: [],
    recorder: new LatencyRecorder(),
  };
  tally.p99.push(result.latency.p99Ms);
  tally.p50.push(result.latency.p50Ms);
  tally.rps.push(result.rps);
  tally.served = tally.served.map((s, k) => s + (served[k] ?? 0));
  tally.requests += result.requests;
  tally.errors += result.errors;
  tally.errorSamples.push(...result.errorSamples.slice(0, 3 - tally.errorSamples.length));
  tally.recorder.merge(result.recorder);
  return tally;
}
