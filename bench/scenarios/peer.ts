// Scenario 2, peer: the same ~100-byte echo against THREE instances, Orion (balanced client
// over TCP with its defaults, metrics on; p2c-ewma and round-robin, to three Orion instances)
// against Moleculer 0.15 (TCP transporter, RoundRobin and Latency strategies, to three
// Moleculer nodes; Moleculer's defaults, metrics off), same payload, same concurrency, same
// interleaved rounds; CPU per request of the client and of the three servers (summed). Then
// p99 at fixed arrival rates (open loop, 50 % and 80 % of the slowest contender's max).
// `orion-p2c-1` (the same client to ONE Orion instance, service `echo-one`) is the reference
// that explains the c=1 latency over three instances, with a c=1 probe (`figures.c1Spread`):
// the same plain clients sending to ONE server process, or rotating over three, without any
// balancer (docs/benchmarks.md, section 2).
import { lastValueFrom } from 'rxjs';
import { TcpClient } from '@orion/protocols';
import { compare, compareOpenLoop, type Contender } from '../lib/compare';
import { ratio } from '../lib/latency';
import { MOLECULER_SETTINGS, startMoleculerMesh } from '../lib/moleculer';
import { balancedClient, FileRegistryDir, startOrionInstance, startOrionInstances, stopInstances, type OrionInstance } from '../lib/orion';
import { ECHO_PAYLOAD, ECHO_PAYLOAD_BYTES } from '../lib/payload';
import { fmt, judge, table, type Scenario, type ScenarioContext } from '../lib/scenario';

const CONCURRENCY = [1, 16, 128];
const OPEN_SHARES = { open50: 0.5, open80: 0.8 };

export const peer: Scenario = {
  name: 'peer',
  title: 'Peer: three instances, ours vs Moleculer 0.15 (TCP transporter, RoundRobin / Latency)',
  budgetMs: 300_000,
  async run(ctx: ScenarioContext) {
    // The smoke pass runs two instances a side: same code paths, half the start-up time.
    const INSTANCES = ctx.isSmoke ? 2 : 3;
    const rounds = ctx.isSmoke ? 1 : 4;
    const roundMs = ctx.isSmoke ? 80 : 1000;
    const warmupMs = ctx.isSmoke ? 0 : 500;
    const openRounds = ctx.isSmoke ? 1 : 3;
    const openRoundMs = ctx.isSmoke ? 80 : 1000;
    const registry = new FileRegistryDir();
    let instances: OrionInstance[] = [];
    const mesh = await startMoleculerMesh(INSTANCES, ['RoundRobin', 'Latency']);
    const closers: Array<() => unknown> = [];
    try {
      instances = await startOrionInstances(INSTANCES, registry.url);
      const single = await startOrionInstance(registry.url, { SERVICE_NAME: 'echo-one' });
      instances.push(single);
      const trio = instances.slice(0, INSTANCES).map((i) => i.child.pid);
      const p2c = await balancedClient(registry.registry, { transport: 'tcp', strategy: 'p2c-ewma' }, INSTANCES);
      closers.push(() => p2c.close());
      const rr = await balancedClient(registry.registry, { transport: 'tcp', strategy: 'round-robin' }, INSTANCES);
      closers.push(() => rr.close());
      const one = await balancedClient(registry.registry, { transport: 'tcp', strategy: 'p2c-ewma', service: 'echo-one' }, 1);
      closers.push(() => one.close());
      const molRR = await mesh.caller('RoundRobin');
      const molLatency = await mesh.caller('Latency');
      const molPids = mesh.nodes.map((n) => n.pid);
      const main: Contender[] = [
        { id: 'orion-p2c-3', name: 'orion balanced p2c-ewma', call: () => lastValueFrom(p2c.send('echo', ECHO_PAYLOAD)), serverPids: trio },
        {
          id: 'orion-rr-3',
          name: 'orion balanced round-robin',
          call: () => lastValueFrom(rr.send('echo', ECHO_PAYLOAD)),
          serverPids: trio,
        },
        { id: 'moleculer-rr', name: 'moleculer RoundRobin', call: () => molRR.call('echo.echo', ECHO_PAYLOAD), serverPids: molPids },
        { id: 'moleculer-latency', name: 'moleculer Latency', call: () => molLatency.call('echo.echo', ECHO_PAYLOAD), serverPids: molPids },
      ];
      const contenders: Contender[] = [
        ...main,
        {
          id: 'orion-p2c-1',
          name: 'orion balanced p2c-ewma, ONE instance',
          call: () => lastValueFrom(one.send('echo', ECHO_PAYLOAD)),
          serverPids: [single.child.pid],
        },
      ];
      for (const c of contenders) {
        const reply = await c.call(0);
        if (JSON.stringify(reply) !== JSON.stringify(ECHO_PAYLOAD)) throw new Error(`${c.id} did not echo: ${JSON.stringify(reply)}`);
      }
      const results = await compare(contenders, { concurrency: CONCURRENCY, rounds, roundMs, warmupMs, log: ctx.log });
      // c=1 probe: the same call to one server process, or spread over three, with no balancer.
      const direct = instances.slice(0, INSTANCES).map((i) => new TcpClient({ host: '127.0.0.1', port: i.tcpPort }));
      for (const d of direct) closers.push(() => d.close());
      await Promise.all(direct.map((d) => d.connect()));
      const spread: Contender[] = [
        {
          id: 'orion-tcp-client-1',
          name: 'orion TcpClient -> instance 1 only',
          call: () => lastValueFrom(direct[0].send('echo', ECHO_PAYLOAD)),
          serverPids: trio,
        },
        {
          id: 'orion-tcp-client-rotating-3',
          name: 'orion TcpClient per instance, rotating per call',
          call: (n) => lastValueFrom(direct[n % INSTANCES].send('echo', ECHO_PAYLOAD)),
          serverPids: trio,
        },
        {
          id: 'moleculer-node-1',
          name: 'moleculer -> node 1 only',
          call: () => molRR.call('echo.echo', ECHO_PAYLOAD, { nodeID: mesh.nodeIds[0] }),
          serverPids: molPids,
        },
        main[2],
      ];
      const c1Spread = (await compare(spread, { concurrency: [1], rounds, roundMs, warmupMs, log: ctx.log })).c1;
      const rps = (c: number, id: string) => results[`c${c}`][id].rps;
      const slowestMax = Math.min(...main.map((m) => Math.max(...CONCURRENCY.map((c) => rps(c, m.id)))));
      const rates = Object.fromEntries(Object.entries(OPEN_SHARES).map(([k, share]) => [k, Math.max(50, slowestMax * share)]));
      const open = await compareOpenLoop(main, { rates, rounds: openRounds, roundMs: openRoundMs, log: ctx.log });

      const ratios: Record<string, number | null> = {};
      for (const c of CONCURRENCY) {
        ratios[`oursOverMoleculerRoundRobin.c${c}`] = ratio(rps(c, 'orion-p2c-3'), rps(c, 'moleculer-rr'));
        ratios[`oursOverMoleculerLatency.c${c}`] = ratio(rps(c, 'orion-p2c-3'), rps(c, 'moleculer-latency'));
        ratios[`oursRoundRobinOverMoleculerRoundRobin.c${c}`] = ratio(rps(c, 'orion-rr-3'), rps(c, 'moleculer-rr'));
        const cpu = (id: string) => {
          const u = results[`c${c}`][id].cpuUsPerRequest;
          return (u.client ?? 0) + (u.server ?? 0);
        };
        ratios[`cpuMoleculerRoundRobinOverOurs.c${c}`] = ratio(cpu('moleculer-rr'), cpu('orion-p2c-3'));
      }
      for (const key of Object.keys(OPEN_SHARES))
        ratios[`p99OursOverMoleculerRoundRobin.${key}`] = ratio(
          open[key]['orion-p2c-3'].p99Ms.median,
          open[key]['moleculer-rr'].p99Ms.median,
        );
      ctx.log(
        '\nratios (req/s ours / Moleculer; cpu: CPU per request, client + servers, Moleculer / ours; p99: ours / Moleculer, lower is better)',
      );
      ctx.log(
        table(
          ['ratio', 'value'],
          Object.entries(ratios).map(([k, v]) => [k, fmt.ratio(v)]),
        ),
      );
      return {
        settings: {
          instances: INSTANCES,
          concurrency: CONCURRENCY,
          rounds,
          roundMs,
          warmupMs,
          openLoop: { shares: OPEN_SHARES, rates, rounds: openRounds, roundMs: openRoundMs },
          payloadBytes: ECHO_PAYLOAD_BYTES,
          moleculer: MOLECULER_SETTINGS,
          metricsOn: ['orion-p2c-3', 'orion-rr-3', 'orion-p2c-1', 'the Orion instances (built-in metrics middleware)'],
        },
        figures: { ...results, ...open, c1Spread },
        ratios,
        goals: [16, 128].map((c) =>
          judge(
            ctx,
            `ours (p2c-ewma) >= 1.2x Moleculer RoundRobin at c=${c}`,
            '>= 1.2',
            ratios[`oursOverMoleculerRoundRobin.c${c}`],
            (v) => v >= 1.2,
          ),
        ),
      };
    } finally {
      for (const close of closers) await Promise.resolve(close()).catch(() => undefined);
      await stopInstances(instances);
      await mesh.stop();
      await registry.close();
    }
  },
};
