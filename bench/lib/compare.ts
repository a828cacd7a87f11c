// Same-run comparison of several clients: for each concurrency, a warm-up per contender,
// then `rounds` rounds in which every contender runs `roundMs` (in a seeded shuffled order
// per round), so a change in machine load hits all of them alike. req/s is the median over the
// rounds (completions inside each round's window only); latency percentiles are over all
// samples of all rounds; CPU per request sums the CPU time of the client and of the
// contender's server processes over all rounds, divided by the requests completed.
//
// compareOpenLoop does the same at fixed arrival rates (open loop) for the latency figures.
//
// Before each contender's round a full GC runs (when the process has --expose-gc, as the
// bench worker does), outside the timed window and the CPU account: all contenders share
// one process, so without it the garbage one contender leaves (a gRPC call leaves ~45 KB)
// is collected in the NEXT contender's round and charged to it. The rotation keeps the
// cyclic order, so the same contender always followed the same one (`orion-tcp` followed
// the gRPC group and paid 15-50 µs/call of its garbage at c=1).
import { mulberry32 } from '../../test/harness/fuzz';
import { CpuAccount, type CpuPerRequest } from './cpu';
import { LatencyRecorder, median, type LatencySummary } from './latency';
import { closedLoop, openLoop } from './load';
import { fmt, table } from './scenario';

export interface Contender {
  /** Stable id, the key in the JSON (`figures.c16['orion-tcp']`). */
  id: string;
  /** Human-readable name for the tables. */
  name: string;
  call: (n: number) => Promise<unknown>;
  /** The server processes this contender's requests reach (for CPU per request). */
  serverPids: number[];
}

export interface ContenderResult {
  name: string;
  rps: number;
  rpsRounds: number[];
  errors: number;
  errorSamples: string[];
  latency: LatencySummary;
  cpuUsPerRequest: CpuPerRequest;
}

export interface CompareOptions {
  concurrency: number[];
  rounds: number;
  roundMs: number;
  warmupMs: number;
  log: (line?: string) => void;
}

/** results[`c${concurrency}`][contender id] */
export type CompareResults = Record<string, Record<string, ContenderResult>>;

interface Accumulator {
  rounds: number[];
  errors: number;
  errorSamples: string[];
  recorder: LatencyRecorder;
  cpu: CpuAccount;
}

function accumulators(contenders: Contender[]): Map<string, Accumulator> {
  return new Map(
    contenders.map((c) => [
      c.id,
      { rounds: [], errors: 0, errorSamples: [], recorder: new LatencyRecorder(), cpu: new CpuAccount(c.serverPids) },
    ]),
  );
}

/** Seed of the rounds' orders (`BENCH_SEED`, default 1); printed with every table. */
export const ORDER_SEED = Number(process.env.BENCH_SEED ?? 1) >>> 0;

/**
 * The order of round `round`: a seeded shuffle. A rotation kept the cyclic order, so each
 * contender always ran right after the same neighbour and inherited its after-effects (the
 * first gRPC contender always followed a TCP one, and such rounds were 40 % dearer in CPU with
 * or without the GC before them); shuffled, every contender follows each of the others.
 */
function roundOrder<T>(items: T[], round: number): T[] {
  const random = mulberry32((ORDER_SEED ^ Math.imul(round + 1, 0x9e3779b1)) >>> 0);
  const order = [...items];
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

const gc = (globalThis as { gc?: () => void }).gc;

/** Collects the garbage the previous contender left, so that it is not charged to the next one. */
function settleHeap(): void {
  gc?.();
}

export async function compare(contenders: Contender[], options: CompareOptions): Promise<CompareResults> {
  const results: CompareResults = {};
  for (const concurrency of options.concurrency) {
    const acc = accumulators(contenders);
    if (options.warmupMs > 0) for (const c of contenders) await closedLoop({ concurrency, durationMs: options.warmupMs, call: c.call });
    for (let round = 0; round < options.rounds; round++) {
      for (const c of roundOrder(contenders, round)) {
        const entry = acc.get(c.id)!;
        settleHeap();
        const before = entry.cpu.start();
        const result = await closedLoop({ concurrency, durationMs: options.roundMs, call: c.call });
        entry.cpu.stop(before, result.ok + result.errors);
        entry.rounds.push(result.rps);
        entry.errors += result.errors;
        entry.errorSamples.push(...result.errorSamples.slice(0, 3 - entry.errorSamples.length));
        entry.recorder.merge(result.recorder);
      }
    }
    const byId: Record<string, ContenderResult> = {};
    for (const c of contenders) {
      const e = acc.get(c.id)!;
      byId[c.id] = {
        name: c.name,
        rps: median(e.rounds),
        rpsRounds: e.rounds,
        errors: e.errors,
        errorSamples: e.errorSamples,
        latency: e.recorder.summary(),
        cpuUsPerRequest: e.cpu.perRequest(),
      };
    }
    results[`c${concurrency}`] = byId;
    options.log(
      `\nconcurrency ${concurrency} (req/s: median of ${options.rounds} rounds of ${options.roundMs} ms, order seed ${ORDER_SEED}; latency over all rounds; CPU µs per request)`,
    );
    options.log(
      table(
        ['id', 'client', 'req/s', 'p50 ms', 'p99 ms', 'cpu client', 'cpu server', 'errors'],
        contenders.map((c) => {
          const r = byId[c.id];
          return [
            c.id,
            c.name,
            fmt.int(r.rps),
            fmt.ms(r.latency.p50Ms),
            fmt.ms(r.latency.p99Ms),
            fmt.us(r.cpuUsPerRequest.client),
            fmt.us(r.cpuUsPerRequest.server),
            r.errors,
          ];
        }),
      ),
    );
  }
  return results;
}

export interface OpenLoopContenderResult {
  name: string;
  /** Arrivals per second asked for. */
  rate: number;
  /** Completions inside the windows per second (median over rounds). */
  rps: number;
  requests: number;
  errors: number;
  /** Arrivals not sent because too many were in flight (the contender could not keep up). */
  dropped: number;
  /** From each request's due time, pooled over the rounds (p50Ms here is the pooled median). */
  latency: LatencySummary;
  /** Median over the rounds of each round's p99, with min and max (ms): the headline p99. */
  p99Ms: { median: number; min: number; max: number };
  /** p99 of each round (ms). */
  p99Rounds: number[];
  errorSamples: string[];
}

export interface OpenLoopOptions {
  /** Arrival rates (req/s), each measured separately, e.g. { open50: 2000, open80: 3200 }. */
  rates: Record<string, number>;
  rounds: number;
  roundMs: number;
  log: (line?: string) => void;
}

/** results[rate key][contender id], every contender at the same rate, interleaved rounds. */
export async function compareOpenLoop(
  contenders: Contender[],
  options: OpenLoopOptions,
): Promise<Record<string, Record<string, OpenLoopContenderResult>>> {
  const results: Record<string, Record<string, OpenLoopContenderResult>> = {};
  for (const [key, rate] of Object.entries(options.rates)) {
    const acc = new Map(
      contenders.map((c) => [
        c.id,
        {
          recorder: new LatencyRecorder(),
          p99: [] as number[],
          rps: [] as number[],
          requests: 0,
          errors: 0,
          dropped: 0,
          samples: [] as string[],
        },
      ]),
    );
    for (let round = 0; round < options.rounds; round++) {
      for (const c of roundOrder(contenders, round)) {
        const e = acc.get(c.id)!;
        settleHeap();
        const result = await openLoop({ rate, durationMs: options.roundMs, call: c.call });
        e.recorder.merge(result.recorder);
        e.p99.push(result.latency.p99Ms);
        e.rps.push(result.rps);
        e.requests += result.requests;
        e.errors += result.errors;
        e.dropped += result.dropped;
        e.samples.push(...result.errorSamples.slice(0, 3 - e.samples.length));
      }
    }
    const byId: Record<string, OpenLoopContenderResult> = {};
    for (const c of contenders) {
      const e = acc.get(c.id)!;
      byId[c.id] = {
        name: c.name,
        rate: Math.round(rate),
        rps: median(e.rps),
        requests: e.requests,
        errors: e.errors,
        dropped: e.dropped,
        latency: e.recorder.summary(),
        p99Ms: { median: median(e.p99), min: Math.min(...e.p99), max: Math.max(...e.p99) },
        p99Rounds: e.p99,
        errorSamples: e.samples,
      };
    }
    results[key] = byId;
    options.log(
      `\nopen loop ${key}: ${fmt.int(rate)} arrivals/s (${options.rounds} rounds of ${options.roundMs} ms; latency from each request's due time)`,
    );
    options.log(
      table(
        ['id', 'client', 'done/s', 'p50 ms', 'p99 ms (median)', 'p99 min-max', 'p99.9 pooled', 'max ms', 'dropped', 'errors'],
        contenders.map((c) => {
          const r = byId[c.id];
          return [
            c.id,
            c.name,
            fmt.int(r.rps),
            fmt.ms(r.latency.p50Ms),
            fmt.ms(r.p99Ms.median),
            `${fmt.ms(r.p99Ms.min)}-${fmt.ms(r.p99Ms.max)}`,
            fmt.ms(r.latency.p999Ms),
            fmt.ms(r.latency.maxMs),
            r.dropped,
            r.errors,
          ];
        }),
      ),
    );
  }
  return results;
}
