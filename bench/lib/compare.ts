// Same-run comparison of several clients: for each concurrency, a warm-up per contender,
// then `rounds` rounds in which every contender runs `roundMs` (the order rotates each
// round), so a change in machine load hits all of them alike. req/s is the median over the
// rounds; latency percentiles are over all samples of all rounds.
import { LatencyRecorder, median, type LatencySummary } from './latency';
import { closedLoop } from './load';
import { fmt, table } from './scenario';

export interface Contender {
  name: string;
  call: () => Promise<unknown>;
}

export interface ContenderResult {
  rps: number;
  rpsRounds: number[];
  errors: number;
  errorSamples: string[];
  latency: LatencySummary;
}

export interface CompareOptions {
  concurrency: number[];
  rounds: number;
  roundMs: number;
  warmupMs: number;
  log: (line?: string) => void;
}

/** results[`c${concurrency}`][contender name] */
export type CompareResults = Record<string, Record<string, ContenderResult>>;

export async function compare(contenders: Contender[], options: CompareOptions): Promise<CompareResults> {
  const results: CompareResults = {};
  for (const concurrency of options.concurrency) {
    const acc = new Map(
      contenders.map((c) => [c.name, { rounds: [] as number[], errors: 0, errorSamples: [] as string[], recorder: new LatencyRecorder() }]),
    );
    if (options.warmupMs > 0) for (const c of contenders) await closedLoop({ concurrency, durationMs: options.warmupMs, call: c.call });
    for (let round = 0; round < options.rounds; round++) {
      const order = contenders.map((_c, i) => contenders[(i + round) % contenders.length]);
      for (const c of order) {
        const result = await closedLoop({ concurrency, durationMs: options.roundMs, call: c.call });
        const entry = acc.get(c.name)!;
        entry.rounds.push(result.rps);
        entry.errors += result.errors;
        entry.errorSamples.push(...result.errorSamples.slice(0, 3 - entry.errorSamples.length));
        entry.recorder.merge(result.recorder);
      }
    }
    const byName: Record<string, ContenderResult> = {};
    for (const [name, e] of acc) {
      byName[name] = {
        rps: median(e.rounds),
        rpsRounds: e.rounds,
        errors: e.errors,
        errorSamples: e.errorSamples,
        latency: e.recorder.summary(),
      };
    }
    results[`c${concurrency}`] = byName;
    options.log(
      `\nconcurrency ${concurrency} (req/s: median of ${options.rounds} rounds of ${options.roundMs} ms; latency over all rounds)`,
    );
    options.log(
      table(
        ['client', 'req/s', 'p50 ms', 'p99 ms', 'errors'],
        contenders.map((c) => {
          const r = byName[c.name];
          return [c.name, fmt.int(r.rps), fmt.ms(r.latency.p50Ms), fmt.ms(r.latency.p99Ms), r.errors];
        }),
      ),
    );
  }
  return results;
}
