// Load generators. Closed loop: `concurrency` workers, each sending its next request as soon
// as the previous one settled. Open loop: requests issued at a fixed arrival rate whatever
// the replies do, latency counted from the time each request was DUE (so a stalled client or
// server shows up in the percentiles instead of slowing the arrivals: no coordinated
// omission). Throughput counts only completions inside the window in both.
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
}

export interface LoadResult {
  requests: number;
  ok: number;
  errors: number;
  /** Successful replies that arrived inside the window (the drain after it is not counted). */
  okInWindow: number;
  /** The window (ms): durationMs, or until the last request when maxRequests ended it first. */
  elapsedMs: number;
  /** okInWindow per second of window. */
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
  let okInWindow = 0;
  const t0 = performance.now();
  const until = t0 + options.durationMs;
  const worker = async (): Promise<void> => {
    while (started < maxRequests && performance.now() < until) {
      const n = started++;
      const begin = performance.now();
      try {
        await options.call(n);
        const end = performance.now();
        recorder.record(end - begin);
        if (end <= until) okInWindow++;
      } catch (error) {
        errors++;
        if (errorSamples.length < 5) errorSamples.push(String((error as Error)?.message ?? error).slice(0, 200));
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  // A count-bounded run ends with its last reply; a timed one at `until`.
  const elapsedMs = Math.min(performance.now(), until) - t0;
  return {
    requests: started,
    ok: recorder.count,
    errors,
    okInWindow,
    elapsedMs: Math.round(elapsedMs),
    rps: Math.round((okInWindow / elapsedMs) * 1000),
    latency: recorder.summary(),
    errorSamples,
    recorder,
  };
}

export interface OpenLoopOptions {
  /** Arrivals per second. */
  rate: number;
  durationMs: number;
  call: (n: number) => Promise<unknown>;
  /** Arrivals beyond this many in flight are not sent and counted as `dropped` (overload guard). */
  maxInFlight?: number;
}

export interface OpenLoopResult extends LoadResult {
  rate: number;
  dropped: number;
  /** Latency from the actual send (without the wait for the timer tick), for reference. */
  serviceLatency: LatencySummary;
}

/**
 * Arrivals are issued by a 1 ms timer (Node's timer granularity): every due request is sent
 * on the tick, and its latency counts from its due time, so the tick's lag is included (up to
 * ~1 ms, the same for every contender). The next request never waits for a reply.
 */
export function openLoop(options: OpenLoopOptions): Promise<OpenLoopResult> {
  const recorder = new LatencyRecorder();
  const service = new LatencyRecorder();
  const errorSamples: string[] = [];
  const maxInFlight = options.maxInFlight ?? 4096;
  const interval = 1000 / options.rate;
  const t0 = performance.now();
  const until = t0 + options.durationMs;
  let due = 0;
  let inFlight = 0;
  let errors = 0;
  let dropped = 0;
  let okInWindow = 0;
  let isStopped = false;
  return new Promise((resolve) => {
    const finish = () =>
      resolve({
        rate: options.rate,
        requests: due - dropped,
        ok: recorder.count,
        errors,
        dropped,
        okInWindow,
        elapsedMs: options.durationMs,
        rps: Math.round((okInWindow / options.durationMs) * 1000),
        latency: recorder.summary(),
        serviceLatency: service.summary(),
        errorSamples,
        recorder,
      });
    const fire = (n: number, dueAt: number) => {
      inFlight++;
      const sentAt = performance.now();
      options.call(n).then(
        () => {
          const end = performance.now();
          recorder.record(end - dueAt);
          service.record(end - sentAt);
          if (end <= until) okInWindow++;
          if (--inFlight === 0 && isStopped) finish();
        },
        (error: unknown) => {
          errors++;
          if (errorSamples.length < 5) errorSamples.push(String((error as Error)?.message ?? error).slice(0, 200));
          if (--inFlight === 0 && isStopped) finish();
        },
      );
    };
    const tick = () => {
      const now = Math.min(performance.now(), until);
      for (let dueAt = t0 + due * interval; dueAt <= now; dueAt = t0 + due * interval) {
        const n = due++;
        if (inFlight >= maxInFlight) dropped++;
        else fire(n, dueAt);
      }
      if (now >= until) {
        isStopped = true;
        if (inFlight === 0) finish();
      } else setTimeout(tick, 1);
    };
    tick();
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
