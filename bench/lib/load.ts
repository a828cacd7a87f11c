// Closed-loop load generator: `concurrency` workers, each sending its next request as soon
// as the previous one settled, until the time or the request count runs out.
import { performance } from 'node:perf_hooks';
import { LatencyRecorder, type LatencySummary } from './latency';

export interface LoadOptions {
  concurrency: number;
  /** Stop starting requests after this long (ms). */
  durationMs: number;
  /** ... or after this many requests, whichever comes first. */
  maxRequests?: number;
  /** One request; `n` numbers them from 0. Its promise settles when the reply arrived. */
  call: (n: number) => Promise<unknown>;
  /** Latencies of failed requests are not recorded; errors are counted (first few kept). */
  recordErrors?: boolean;
}

export interface LoadResult {
  requests: number;
  ok: number;
  errors: number;
  elapsedMs: number;
  /** Successful requests per second. */
  rps: number;
  latency: LatencySummary;
  /** Up to 5 error messages, for the report. */
  errorSamples: string[];
  recorder: LatencyRecorder;
}

export async function closedLoop(options: LoadOptions): Promise<LoadResult> {
  const recorder = new LatencyRecorder();
  const errorSamples: string[] = [];
  const maxRequests = options.maxRequests ?? Number.POSITIVE_INFINITY;
  let started = 0;
  let errors = 0;
  const t0 = performance.now();
  const until = t0 + options.durationMs;
  const worker = async (): Promise<void> => {
    while (started < maxRequests && performance.now() < until) {
      const n = started++;
      const begin = performance.now();
      try {
        await options.call(n);
        recorder.record(performance.now() - begin);
      } catch (error) {
        errors++;
        if (errorSamples.length < 5) errorSamples.push(String((error as Error)?.message ?? error).slice(0, 200));
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  const elapsedMs = performance.now() - t0;
  return {
    requests: started,
    ok: recorder.count,
    errors,
    elapsedMs: Math.round(elapsedMs),
    rps: Math.round((recorder.count / elapsedMs) * 1000),
    latency: recorder.summary(),
    errorSamples,
    recorder,
  };
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
