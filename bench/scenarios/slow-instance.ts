// Scenario 3, slow instance: three instances, one of them answering 20 ms late. For each
// strategy, a fresh balanced client sends 5,000 echo requests at concurrency 16; we report
// p50/p99/p99.9 and the share of requests the slow instance served (counted by the
// instances themselves). References: the same run with all three healthy (before and after
// the slow runs, pooled), and Moleculer 0.15 RoundRobin / Latency with one node slowed alike.
import { lastValueFrom } from 'rxjs';
import { P2cEwmaStrategy, type BalancingStrategyName } from '@orion/discovery';
import { ratio, type LatencySummary, LatencyRecorder } from '../lib/latency';
import { closedLoop, type LoadResult } from '../lib/load';
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
const STRATEGIES: BalancingStrategyName[] = ['p2c-ewma', 'round-robin', 'least-connections', 'weighted', 'random', 'consistent-hash'];

interface Row {
  name: string;
  requests: number;
  errors: number;
  rps: number;
  latency: LatencySummary;
  slowShare: number;
  served: number[];
}

export const slowInstance: Scenario = {
  name: 'slow-instance',
  title: 'Slow instance: one of three +20 ms, 5,000 requests at concurrency 16 per strategy',
  budgetMs: 240_000,
  async run(ctx: ScenarioContext) {
    const requests = ctx.isSmoke ? 100 : 5000;
    // The smoke pass runs two instances a side (the last one slowed): same code paths.
    const count = ctx.isSmoke ? 2 : 3;
    const slowIndex = count - 1;
    const registry = new FileRegistryDir();
    let instances: OrionInstance[] = [];
    const mesh = await startMoleculerMesh(count, ['RoundRobin', 'Latency']);
    try {
      instances = await startOrionInstances(count, registry.url);
      const slow = instances[slowIndex];
      const rows: Row[] = [];
      const load = (call: (n: number) => Promise<unknown>): Promise<LoadResult> =>
        closedLoop({ concurrency: CONCURRENCY, durationMs: 120_000, maxRequests: requests, call });

      const runOrion = async (name: string, strategy: BalancingStrategyName | P2cEwmaStrategy, isSlowRun: boolean): Promise<Row> => {
        const client = await balancedClient(registry.registry, { transport: 'tcp', strategy, metrics: false }, count);
        try {
          await Promise.all(instances.map(servedCount)); // reset the counters
          const hashed = strategy === 'consistent-hash';
          const result = await load((n) =>
            lastValueFrom(client.send('echo', ECHO_PAYLOAD, hashed ? { hashKey: `user-${(n * 7919) % 10_007}` } : {})),
          );
          const served = await Promise.all(instances.map(servedCount));
          const total = served.reduce((a, b) => a + b, 0);
          const row: Row = {
            name,
            requests: result.requests,
            errors: result.errors,
            rps: result.rps,
            latency: result.latency,
            slowShare: isSlowRun && total > 0 ? served[slowIndex] / total : 0,
            served,
          };
          (row as Row & { recorder?: LatencyRecorder }).recorder = result.recorder;
          return row;
        } finally {
          await client.close();
        }
      };

      // Warm up every process (JIT) with healthy traffic, then the healthy reference.
      if (!ctx.isSmoke) await runOrion('warm-up', 'round-robin', false);
      const healthyBefore = await runOrion('all healthy, p2c-ewma (before)', 'p2c-ewma', false);
      rows.push(healthyBefore);

      await setDelay(slow, SLOW_MS);
      for (const strategy of STRATEGIES)
        rows.push(await runOrion(`slow, ${strategy}${strategy === 'consistent-hash' ? ' (keyed)' : ''}`, strategy, true));
      await setDelay(slow, 0);
      const healthyAfter = await runOrion('all healthy, p2c-ewma (after)', 'p2c-ewma', false);
      rows.push(healthyAfter);
      const healthyRound = await runOrion('all healthy, round-robin', 'round-robin', false);
      rows.push(healthyRound);

      // Moleculer: the same with node 3 slowed.
      const runMoleculer = async (name: string, strategy: 'RoundRobin' | 'Latency', isSlowRun: boolean): Promise<Row> => {
        const caller = await mesh.caller(strategy);
        await mesh.servedCounts(caller);
        const result = await load(() => caller.call('echo.echo', ECHO_PAYLOAD));
        const counts = await mesh.servedCounts(caller);
        const served = mesh.nodeIds.map((id) => counts[id]);
        const total = served.reduce((a, b) => a + b, 0);
        return {
          name,
          requests: result.requests,
          errors: result.errors,
          rps: result.rps,
          latency: result.latency,
          slowShare: isSlowRun && total > 0 ? served[slowIndex] / total : 0,
          served,
        };
      };
      const molRR = await mesh.caller('RoundRobin');
      if (!ctx.isSmoke) await load(() => molRR.call('echo.echo', ECHO_PAYLOAD)); // warm-up
      rows.push(await runMoleculer('moleculer all healthy, RoundRobin', 'RoundRobin', false));
      await molRR.call('echo.setDelay', { ms: SLOW_MS }, { nodeID: mesh.nodeIds[slowIndex] });
      rows.push(await runMoleculer('moleculer slow, RoundRobin', 'RoundRobin', true));
      rows.push(await runMoleculer('moleculer slow, Latency', 'Latency', true));
      await molRR.call('echo.setDelay', { ms: 0 }, { nodeID: mesh.nodeIds[slowIndex] });

      ctx.log(
        `\n${requests} requests per run, concurrency ${CONCURRENCY}, ${count} instances, instance ${count} slowed by ${SLOW_MS} ms in "slow" runs`,
      );
      ctx.log(
        table(
          ['run', 'req/s', 'p50 ms', 'p99 ms', 'p99.9 ms', 'max ms', 'to slow', 'served per instance', 'errors'],
          rows.map((r) => [
            r.name,
            fmt.int(r.rps),
            fmt.ms(r.latency.p50Ms),
            fmt.ms(r.latency.p99Ms),
            fmt.ms(r.latency.p999Ms),
            fmt.ms(r.latency.maxMs),
            r.name.includes('healthy') ? '–' : fmt.pct(r.slowShare),
            r.served.join(' / '),
            r.errors,
          ]),
        ),
      );

      const pooled = new LatencyRecorder();
      pooled.merge((healthyBefore as Row & { recorder: LatencyRecorder }).recorder);
      pooled.merge((healthyAfter as Row & { recorder: LatencyRecorder }).recorder);
      const healthyP99 = pooled.summary().p99Ms;
      const p2c = rows.find((r) => r.name === 'slow, p2c-ewma')!;
      const molSlowRR = rows.find((r) => r.name === 'moleculer slow, RoundRobin')!;
      const figures = Object.fromEntries(rows.map(({ name, ...rest }) => [name, { ...rest, recorder: undefined }]));
      const ratios = {
        p2cP99OverHealthyP99: ratio(p2c.latency.p99Ms, healthyP99),
        p2cP99OverMoleculerRoundRobinP99: ratio(p2c.latency.p99Ms, molSlowRR.latency.p99Ms),
        p2cP99OverOursRoundRobinP99: ratio(p2c.latency.p99Ms, rows.find((r) => r.name === 'slow, round-robin')!.latency.p99Ms),
      };
      ctx.log(`\nall-healthy p2c-ewma p99 (before and after, pooled): ${fmt.ms(healthyP99)} ms`);
      ctx.log(
        table(
          ['ratio (lower is better)', 'value'],
          Object.entries(ratios).map(([k, v]) => [k, fmt.ratio(v)]),
        ),
      );
      return {
        settings: { requestsPerRun: requests, concurrency: CONCURRENCY, slowMs: SLOW_MS, instances: count },
        figures: { runs: figures, healthyP99Ms: healthyP99 },
        ratios,
        goals: [
          judge(ctx, 'p2c-ewma p99 within 1.5x of the all-healthy p99', '<= 1.5', ratios.p2cP99OverHealthyP99, (v) => v <= 1.5),
          judge(ctx, "p2c-ewma p99 <= 0.3x Moleculer RoundRobin's p99", '<= 0.3', ratios.p2cP99OverMoleculerRoundRobinP99, (v) => v <= 0.3),
          judge(
            ctx,
            'p2c-ewma sends < 2 % of requests to the slow instance',
            '< 0.02',
            Math.round(p2c.slowShare * 10_000) / 10_000,
            (v) => v < 0.02,
          ),
        ],
      };
    } finally {
      await stopInstances(instances);
      await mesh.stop();
      await registry.close();
    }
  },
};
