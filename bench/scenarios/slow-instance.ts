// Scenario 3, slow instance: three instances, one of them answering 20 ms late. Every client
// runs with its defaults (Orion: metrics on), is warmed (1,000 calls in the state it is
// measured in), and keeps its state across repetitions. Each of >= 10 repetitions runs every
// contender for a fixed window at concurrency 16 (closed loop), the order rotating: first the
// all-healthy references (slow delay off), then the slow runs (delay on, on both stacks at
// once). Reported per contender: the median of the per-repetition p99 with its min and max,
// req/s, and the share of requests the slow instance served (counted by the instances). Then
// the same at fixed arrival rates (open loop, 50 % and 80 % of the slowest contender's max).
import { lastValueFrom } from 'rxjs';
import type { BalancingStrategyName } from '@orion/discovery';
import { ratio } from '../lib/latency';
import { closedLoop, openLoop, type LoadResult } from '../lib/load';
import { addRepetition, summarizeTally, type Runner, type SlowRunFigures, type Tally } from '../lib/slow-runs';
import { startMoleculerMesh } from '../lib/moleculer';
import {
  balancedClient,
  FileRegistryDir,
  servedCount,
  setDelay,
  startOrionInstances,
  stopInstances,
  type OrionInstance,
} from '../lib/orion';
import { ECHO_PAYLOAD } from '../lib/payload';
import { fmt, judge, table, type Scenario, type ScenarioContext } from '../lib/scenario';

const SLOW_MS = 20;
const CONCURRENCY = 16;
const OPEN_SHARES = { open50: 0.5, open80: 0.8 };
const STRATEGIES: Record<string, BalancingStrategyName> = {
  'slow-orion-p2c': 'p2c-ewma',
  'slow-orion-rr': 'round-robin',
  'slow-orion-lc': 'least-connections',
  'slow-orion-weighted': 'weighted',
  'slow-orion-random': 'random',
  'slow-orion-hash': 'consistent-hash',
};
/** The contenders also measured in open loop (the goals' and the load-blind references). */
const OPEN_IDS = [
  'healthy-orion-p2c',
  'healthy-moleculer-rr',
  'slow-orion-p2c',
  'slow-orion-rr',
  'slow-orion-lc',
  'slow-moleculer-rr',
  'slow-moleculer-latency',
];

export const slowInstance: Scenario = {
  name: 'slow-instance',
  title: 'Slow instance: one of three +20 ms; warmed clients, interleaved, median p99 of 10 repetitions',
  budgetMs: 420_000,
  async run(ctx: ScenarioContext) {
    const reps = ctx.isSmoke ? 1 : 10;
    const repMs = ctx.isSmoke ? 80 : 600;
    const warmCalls = ctx.isSmoke ? 50 : 1000;
    const openReps = ctx.isSmoke ? 1 : 3;
    const openMs = ctx.isSmoke ? 80 : 1000;
    // The smoke pass runs two instances a side (the last one slowed): same code paths.
    const count = ctx.isSmoke ? 2 : 3;
    const slowIndex = count - 1;
    const registry = new FileRegistryDir();
    let instances: OrionInstance[] = [];
    const mesh = await startMoleculerMesh(count, ['RoundRobin', 'Latency']);
    const closers: Array<() => unknown> = [];
    try {
      instances = await startOrionInstances(count, registry.url);
      const orionServed = () => Promise.all(instances.map(servedCount));
      const runners: Runner[] = [];
      const orion = async (id: string, strategy: BalancingStrategyName, isSlowPhase: boolean) => {
        const client = await balancedClient(registry.registry, { transport: 'tcp', strategy }, count);
        closers.push(() => client.close());
        const hashed = strategy === 'consistent-hash';
        runners.push({
          id,
          name: `orion ${strategy}${hashed ? ' (keyed)' : ''}`,
          isSlowPhase,
          call: (n) => lastValueFrom(client.send('echo', ECHO_PAYLOAD, hashed ? { hashKey: `user-${(n * 7919) % 10_007}` } : {})),
          served: orionServed,
        });
      };
      const moleculer = async (id: string, strategy: 'RoundRobin' | 'Latency', isSlowPhase: boolean) => {
        const caller = await mesh.caller(strategy);
        runners.push({
          id,
          name: `moleculer ${strategy}`,
          isSlowPhase,
          call: () => caller.call('echo.echo', ECHO_PAYLOAD),
          served: async () => {
            const counts = await mesh.servedCounts(caller);
            return mesh.nodeIds.map((nodeId) => counts[nodeId]);
          },
        });
      };
      await orion('healthy-orion-p2c', 'p2c-ewma', false);
      await moleculer('healthy-moleculer-rr', 'RoundRobin', false);
      for (const [id, strategy] of Object.entries(STRATEGIES)) await orion(id, strategy, true);
      await moleculer('slow-moleculer-rr', 'RoundRobin', true);
      await moleculer('slow-moleculer-latency', 'Latency', true);
      const molControl = await mesh.caller('RoundRobin');
      const slowDown = async (ms: number) => {
        await setDelay(instances[slowIndex], ms);
        await molControl.call('echo.setDelay', { ms }, { nodeID: mesh.nodeIds[slowIndex] });
      };
      const phases = [false, true].map((isSlow) => runners.filter((r) => r.isSlowPhase === isSlow));

      // Warm every client in the state it is measured in.
      for (const [p, members] of phases.entries()) {
        await slowDown(p === 1 ? SLOW_MS : 0);
        for (const r of members) await closedLoop({ concurrency: CONCURRENCY, durationMs: 60_000, maxRequests: warmCalls, call: r.call });
      }

      const measure = async (ids: string[] | null, repetitions: number, load: (r: Runner) => Promise<LoadResult>) => {
        const tallies = new Map<string, Tally>();
        for (let rep = 0; rep < repetitions; rep++) {
          for (const [p, all] of phases.entries()) {
            const members = ids ? all.filter((r) => ids.includes(r.id)) : all;
            await slowDown(p === 1 ? SLOW_MS : 0);
            for (let i = 0; i < members.length; i++) {
              const r = members[(i + rep) % members.length];
              await r.served(); // reset the counters
              const result = await load(r);
              const served = await r.served();
              tallies.set(r.id, addRepetition(tallies.get(r.id), result, served));
            }
          }
        }
        await slowDown(0);
        const out: Record<string, SlowRunFigures> = {};
        for (const r of runners) if (tallies.has(r.id)) out[r.id] = summarizeTally(r, tallies.get(r.id)!, slowIndex);
        return out;
      };
      const show = (title: string, rows: Record<string, SlowRunFigures>) => {
        ctx.log(`\n${title}`);
        ctx.log(
          table(
            ['id', 'client', 'req/s', 'p50 ms', 'p99 ms (median)', 'p99 min-max', 'p99.9 pooled', 'to slow', 'served', 'errors'],
            Object.entries(rows).map(([id, r]) => [
              id,
              r.name,
              fmt.int(r.rps),
              fmt.ms(r.p50Ms),
              fmt.ms(r.p99Ms.median),
              `${fmt.ms(r.p99Ms.min)}-${fmt.ms(r.p99Ms.max)}`,
              fmt.ms(r.latency.p999Ms),
              r.phase === 'healthy' ? '–' : fmt.pct(r.slowShare),
              r.served.join(' / '),
              r.errors,
            ]),
          ),
        );
      };

      const closed = await measure(null, reps, (r) => closedLoop({ concurrency: CONCURRENCY, durationMs: repMs, call: r.call }));
      show(
        `closed loop, concurrency ${CONCURRENCY}: ${reps} repetitions of ${repMs} ms per contender, instance ${count} +${SLOW_MS} ms in the slow phase`,
        closed,
      );
      const slowestMax = Math.min(...Object.values(closed).map((r) => r.rps));
      const rates = Object.fromEntries(Object.entries(OPEN_SHARES).map(([k, share]) => [k, Math.max(50, Math.round(slowestMax * share))]));
      const open: Record<string, Record<string, SlowRunFigures>> = {};
      for (const [key, rate] of Object.entries(rates)) {
        open[key] = await measure(OPEN_IDS, openReps, (r) => openLoop({ rate, durationMs: openMs, call: r.call }));
        show(
          `open loop ${key}: ${fmt.int(rate)} arrivals/s, ${openReps} repetitions of ${openMs} ms (latency from each request's due time)`,
          open[key],
        );
      }

      const p99 = (rows: Record<string, SlowRunFigures>, id: string) => rows[id].p99Ms.median;
      const ratios: Record<string, number | null> = {
        p2cP99OverHealthyP99: ratio(p99(closed, 'slow-orion-p2c'), p99(closed, 'healthy-orion-p2c')),
        p2cP99OverMoleculerRoundRobinP99: ratio(p99(closed, 'slow-orion-p2c'), p99(closed, 'slow-moleculer-rr')),
        p2cP99OverOursRoundRobinP99: ratio(p99(closed, 'slow-orion-p2c'), p99(closed, 'slow-orion-rr')),
      };
      for (const key of Object.keys(open)) {
        ratios[`${key}.p2cP99OverHealthyP99`] = ratio(p99(open[key], 'slow-orion-p2c'), p99(open[key], 'healthy-orion-p2c'));
        ratios[`${key}.p2cP99OverMoleculerRoundRobinP99`] = ratio(p99(open[key], 'slow-orion-p2c'), p99(open[key], 'slow-moleculer-rr'));
      }
      ctx.log('\nratios of median p99 (lower is better)');
      ctx.log(
        table(
          ['ratio', 'value'],
          Object.entries(ratios).map(([k, v]) => [k, fmt.ratio(v)]),
        ),
      );
      const p2c = closed['slow-orion-p2c'];
      const range = (rows: Record<string, SlowRunFigures>, id: string) =>
        `${fmt.ms(rows[id].p99Ms.median)} ms (${fmt.ms(rows[id].p99Ms.min)}-${fmt.ms(rows[id].p99Ms.max)})`;
      const vs = (rows: Record<string, SlowRunFigures>, other: string) =>
        `p2c-ewma ${range(rows, 'slow-orion-p2c')} vs ${range(rows, other)}`;
      return {
        settings: {
          instances: count,
          slowMs: SLOW_MS,
          concurrency: CONCURRENCY,
          repetitions: reps,
          repetitionMs: repMs,
          warmupCallsPerClient: warmCalls,
          openLoop: { shares: OPEN_SHARES, rates, repetitions: openReps, repetitionMs: openMs, contenders: OPEN_IDS },
          clients: 'defaults (Orion: metrics on); one client per contender, kept across repetitions',
        },
        figures: { closed, ...open, healthyP99Ms: p99(closed, 'healthy-orion-p2c') },
        ratios,
        goals: [
          judge(
            ctx,
            'p2c-ewma p99 <= 1.5x the all-healthy p99 (closed loop, median of repetitions)',
            '<= 1.5',
            ratios.p2cP99OverHealthyP99,
            (v) => v <= 1.5,
            vs(closed, 'healthy-orion-p2c'),
          ),
          judge(
            ctx,
            "p2c-ewma p99 <= 0.3x Moleculer RoundRobin's (closed loop, median of repetitions)",
            '<= 0.3',
            ratios.p2cP99OverMoleculerRoundRobinP99,
            (v) => v <= 0.3,
            vs(closed, 'slow-moleculer-rr'),
          ),
          judge(
            ctx,
            'p2c-ewma p99 <= 1.5x the all-healthy p99 (open loop at 80 %)',
            '<= 1.5',
            ratios['open80.p2cP99OverHealthyP99'],
            (v) => v <= 1.5,
            vs(open.open80, 'healthy-orion-p2c'),
          ),
          judge(
            ctx,
            "p2c-ewma p99 <= 0.3x Moleculer RoundRobin's (open loop at 80 %)",
            '<= 0.3',
            ratios['open80.p2cP99OverMoleculerRoundRobinP99'],
            (v) => v <= 0.3,
            vs(open.open80, 'slow-moleculer-rr'),
          ),
          judge(
            ctx,
            'p2c-ewma sends < 2 % of requests to the slow instance (closed loop, all repetitions)',
            '< 0.02',
            p2c.slowShare,
            (v) => v < 0.02,
          ),
        ],
      };
    } finally {
      for (const close of closers) await Promise.resolve(close()).catch(() => undefined);
      await stopInstances(instances);
      await mesh.stop();
      await registry.close();
    }
  },
};
