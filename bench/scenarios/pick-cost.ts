// Scenario 5, pick cost: picks per second of every strategy through an InstancePicker at 10,
// 1,000 and 10,000 instances (the goal: a pick at 10,000 costs <= 1.2x a pick at 10), the same with the per-call bookkeeping
// (pick + recordStart + recordResult), the picker build time, and heap allocation per pick.
//
// Allocation: the loop runs with a young generation large enough (--max-semi-space-size=64)
// that 1M picks allocating up to ~30 bytes each trigger no GC; heapUsed after minus before,
// divided by the picks, is then the allocation per pick. A GC during the loop (counted with a
// PerformanceObserver) is reported, and that figure becomes a lower bound.
import { performance, PerformanceObserver } from 'node:perf_hooks';
import { InstancePicker, createStrategy, type BalancingStrategyName, type ServiceInstance } from '@orion/discovery';
import { ratio } from '../lib/latency';
import { fmt, judge, table, type Scenario, type ScenarioContext } from '../lib/scenario';

const STRATEGIES: BalancingStrategyName[] = ['p2c-ewma', 'round-robin', 'least-connections', 'weighted', 'random', 'consistent-hash'];
const SIZES = [10, 1000, 10_000];

function instances(n: number): ServiceInstance[] {
  const now = Date.now();
  return Array.from({ length: n }, (_v, i) => ({
    id: `orders-${String(i).padStart(5, '0')}`,
    service: 'orders',
    version: '1.0.0',
    zone: `zone-${i % 3}`,
    weight: 1 + (i % 4),
    metadata: {},
    status: 'passing' as const,
    endpoints: [{ protocol: 'tcp' as const, host: '10.0.0.1', port: 9000 + (i % 50_000) }],
    registeredAt: now,
    renewedAt: now,
  }));
}

const gc = (globalThis as { gc?: () => void }).gc;

/**
 * The timed loops live in plain synchronous functions: a local of an async function is kept
 * in a heap context, so accumulating into it would allocate and be counted against pick().
 */
function pickLoop(picker: InstancePicker, picks: number, contexts: Array<{ hashKey: string }> | undefined): number {
  let sink = 0;
  if (contexts) for (let i = 0; i < picks; i++) sink = (sink + picker.pick(contexts[i & 1023])!.weight) | 0;
  else for (let i = 0; i < picks; i++) sink = (sink + picker.pick()!.weight) | 0;
  return sink;
}

function callLoop(
  picker: InstancePicker,
  cycles: number,
  contexts: Array<{ hashKey: string }> | undefined,
  outcome: { ok: true; latencyMs: number },
): number {
  let sink = 0;
  for (let i = 0; i < cycles; i++) {
    const chosen = picker.pick(contexts ? contexts[i & 1023] : undefined)!;
    picker.recordStart(chosen);
    picker.recordResult(chosen, outcome);
    sink = (sink + chosen.weight) | 0;
  }
  return sink;
}

/** Heap used after `run`, minus before, in bytes; `run` must not trigger a GC for this to be exact. */
function heapDelta(run: () => void): number {
  const before = process.memoryUsage().heapUsed;
  run();
  return process.memoryUsage().heapUsed - before;
}

interface Cell {
  strategy: string;
  instances: number;
  buildMs: number;
  picksPerSecond: number;
  nsPerPick: number;
  callsPerSecondWithBookkeeping: number;
  bytesPerPick: number;
  gcDuringLoop: number;
}

export const pickCost: Scenario = {
  name: 'pick-cost',
  title: 'Pick cost: picks/s and allocation per pick at 10, 1,000 and 10,000 instances',
  budgetMs: 120_000,
  nodeFlags: ['--max-semi-space-size=64'],
  async run(ctx: ScenarioContext) {
    const picks = ctx.isSmoke ? 20_000 : 1_000_000;
    const timed = ctx.isSmoke ? 10_000 : 300_000;
    const warmup = ctx.isSmoke ? 10_000 : 300_000;
    let gcs = 0;
    const observer = new PerformanceObserver((list) => (gcs += list.getEntries().length));
    observer.observe({ entryTypes: ['gc'] });
    const keys = Array.from({ length: 1024 }, (_v, i) => `user-${i * 7919}`);
    const cells: Cell[] = [];
    let sink = 0;
    // Strategy-major order: the three sizes of one strategy run back to back, with the same
    // JIT state, so their ratio (flatness) is fair.
    const lists = new Map(SIZES.map((size) => [size, instances(size)]));
    for (const name of STRATEGIES) {
      for (const size of SIZES) {
        const list = lists.get(size)!;
        const hashed = name === 'consistent-hash';
        const buildStart = performance.now();
        const picker = InstancePicker.from(list, createStrategy(name));
        const contexts = hashed ? keys.map((hashKey) => ({ hashKey })) : undefined;
        // The first pick builds what the strategy caches per candidate list (ring, schedule).
        picker.pick(contexts?.[0]);
        const buildMs = performance.now() - buildStart;
        // Give every instance call history, as a live client has (p2c-ewma and
        // least-connections pick differently when nothing is measured yet).
        for (const instance of list) {
          picker.recordStart(instance);
          picker.recordResult(instance, { ok: true, latencyMs: 1 + (instance.weight % 3) });
        }
        // Warm-up (JIT), then timing as the best of 3 runs (the machine may be shared), then
        // allocation over `picks` picks after a full GC.
        sink ^= pickLoop(picker, warmup, contexts);
        await new Promise((resolve) => setTimeout(resolve, 20));
        let elapsed = Number.POSITIVE_INFINITY;
        for (let rep = 0; rep < 3; rep++) {
          const start = performance.now();
          sink ^= pickLoop(picker, timed, contexts);
          elapsed = Math.min(elapsed, performance.now() - start);
        }
        gc?.();
        await new Promise((resolve) => setTimeout(resolve, 5));
        const gcBefore = gcs;
        const bytes = heapDelta(() => {
          sink ^= pickLoop(picker, picks, contexts);
        });
        await new Promise((resolve) => setTimeout(resolve, 5));
        const gcDuringLoop = gcs - gcBefore;
        // Pick + the bookkeeping of a call (in-flight + latency sample), as the client does.
        const cycles = timed;
        let cycleElapsed = Number.POSITIVE_INFINITY;
        for (let rep = 0; rep < 3; rep++) {
          const cycleStart = performance.now();
          sink ^= callLoop(picker, cycles, contexts, { ok: true, latencyMs: 1.2 });
          cycleElapsed = Math.min(cycleElapsed, performance.now() - cycleStart);
        }
        cells.push({
          strategy: name,
          instances: size,
          buildMs: Math.round(buildMs * 100) / 100,
          picksPerSecond: Math.round((timed / elapsed) * 1000),
          nsPerPick: Math.round((elapsed * 1e6) / timed),
          callsPerSecondWithBookkeeping: Math.round((cycles / cycleElapsed) * 1000),
          bytesPerPick: Math.round((bytes / picks) * 100) / 100,
          gcDuringLoop,
        });
      }
    }
    observer.disconnect();
    if (sink === 0.5) ctx.log(''); // keep the loops from being optimised away

    const at = (strategy: string, size: number) => cells.find((c) => c.strategy === strategy && c.instances === size)!;
    ctx.log(
      `\npicks/s: best of 3 x ${timed.toLocaleString('en-US')} picks; bytes/pick: heap growth over ${picks.toLocaleString('en-US')} picks`,
    );
    ctx.log(
      table(
        [
          'strategy',
          ...SIZES.map((s) => `picks/s @${s}`),
          ...SIZES.map((s) => `ns/pick @${s}`),
          'pick+record/s @10,000',
          'bytes/pick @10 / 10,000',
          'first pick @10,000',
        ],
        STRATEGIES.map((name) => [
          name,
          ...SIZES.map((s) => fmt.int(at(name, s).picksPerSecond)),
          ...SIZES.map((s) => at(name, s).nsPerPick),
          fmt.int(at(name, 10_000).callsPerSecondWithBookkeeping),
          [10, 10_000]
            .map((s) => `${at(name, s).bytesPerPick}${at(name, s).gcDuringLoop ? ` (${at(name, s).gcDuringLoop} GC)` : ''}`)
            .join(' / '),
          `${fmt.ms(at(name, 10_000).buildMs)} ms`,
        ]),
      ),
    );
    // The goal as stated: the cost of a pick (ns) at 10,000 instances <= 1.2x its cost at 10.
    const ratios: Record<string, number | null> = {};
    for (const name of STRATEGIES) ratios[`${name}.costAt10000Over10`] = ratio(at(name, 10_000).nsPerPick, at(name, 10).nsPerPick);
    ctx.log(
      table(
        ['pick cost (ns) at 10,000 / at 10 (lower is better)', 'value'],
        Object.entries(ratios).map(([k, v]) => [k, fmt.ratio(v)]),
      ),
    );
    const costs = Object.values(ratios);
    const worstCost = costs.some((v) => v === null) ? null : Math.max(...(costs as number[]));
    const worstName = STRATEGIES.find((name) => ratios[`${name}.costAt10000Over10`] === worstCost);
    const worstBytes = Math.max(...cells.map((c) => c.bytesPerPick));
    const worstCell = cells.find((c) => c.bytesPerPick === worstBytes)!;
    const worstBytesName = `${worstCell.strategy} at ${worstCell.instances}`;
    return {
      settings: {
        timedPicks: timed,
        timedRepetitions: 3,
        allocationPicks: picks,
        sizes: SIZES,
        strategies: STRATEGIES,
        semiSpaceMb: 64,
        isGcExposed: gc !== undefined,
      },
      figures: { cells },
      ratios,
      goals: [
        judge(
          ctx,
          'pick cost at 10,000 instances <= 1.2x the cost at 10 (worst strategy)',
          '<= 1.2',
          worstCost,
          (v) => v <= 1.2,
          `worst: ${worstName}; ns/pick ${STRATEGIES.map((n) => `${n} ${at(n, 10).nsPerPick} -> ${at(n, 10_000).nsPerPick}`).join(', ')}`,
        ),
        judge(ctx, 'no allocation per pick (worst cell, bytes)', '< 1', worstBytes, (v) => v < 1, `worst: ${worstBytesName}`),
      ],
    };
  },
};
