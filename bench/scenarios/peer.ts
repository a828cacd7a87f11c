// Scenario 2, peer: the same ~100-byte echo against THREE instances, Orion (balanced client
// over TCP, p2c-ewma and round-robin, to three Nest instances) against Moleculer 0.15 (TCP
// transporter, RoundRobin and Latency strategies, to three Moleculer nodes), same payload,
// same concurrency, same rounds.
import { lastValueFrom } from 'rxjs';
import { compare, type Contender } from '../lib/compare';
import { ratio } from '../lib/latency';
import { startMoleculerMesh } from '../lib/moleculer';
import { balancedClient, FileRegistryDir, startOrionInstances, stopInstances, type OrionInstance } from '../lib/orion';
import { ECHO_PAYLOAD, ECHO_PAYLOAD_BYTES } from '../lib/payload';
import { fmt, judge, table, type Scenario, type ScenarioContext } from '../lib/scenario';

const CONCURRENCY = [1, 16, 128];

export const peer: Scenario = {
  name: 'peer',
  title: 'Peer: three instances, ours vs Moleculer 0.15 (TCP transporter, RoundRobin / Latency)',
  budgetMs: 180_000,
  async run(ctx: ScenarioContext) {
    // The smoke pass runs two instances a side: same code paths, half the start-up time.
    const INSTANCES = ctx.isSmoke ? 2 : 3;
    const rounds = ctx.isSmoke ? 1 : 4;
    const roundMs = ctx.isSmoke ? 80 : 1000;
    const warmupMs = ctx.isSmoke ? 0 : 500;
    const registry = new FileRegistryDir();
    let instances: OrionInstance[] = [];
    const mesh = await startMoleculerMesh(INSTANCES, ['RoundRobin', 'Latency']);
    const closers: Array<() => unknown> = [];
    try {
      instances = await startOrionInstances(INSTANCES, registry.url);
      const p2c = await balancedClient(registry.registry, { transport: 'tcp', strategy: 'p2c-ewma' }, INSTANCES);
      const rr = await balancedClient(registry.registry, { transport: 'tcp', strategy: 'round-robin' }, INSTANCES);
      const molRR = await mesh.caller('RoundRobin');
      const molLatency = await mesh.caller('Latency');
      closers.push(
        () => p2c.close(),
        () => rr.close(),
      );
      const contenders: Contender[] = [
        { name: 'orion balanced p2c-ewma', call: () => lastValueFrom(p2c.send('echo', ECHO_PAYLOAD)) },
        { name: 'orion balanced round-robin', call: () => lastValueFrom(rr.send('echo', ECHO_PAYLOAD)) },
        { name: 'moleculer RoundRobin', call: () => molRR.call('echo.echo', ECHO_PAYLOAD) },
        { name: 'moleculer Latency', call: () => molLatency.call('echo.echo', ECHO_PAYLOAD) },
      ];
      for (const c of contenders) {
        const reply = await c.call();
        if (JSON.stringify(reply) !== JSON.stringify(ECHO_PAYLOAD)) throw new Error(`${c.name} did not echo: ${JSON.stringify(reply)}`);
      }
      const results = await compare(contenders, { concurrency: CONCURRENCY, rounds, roundMs, warmupMs, log: ctx.log });
      const rps = (c: number, name: string) => results[`c${c}`][name].rps;
      const ratios: Record<string, number | null> = {};
      for (const c of CONCURRENCY) {
        ratios[`oursOverMoleculerRoundRobin.c${c}`] = ratio(rps(c, 'orion balanced p2c-ewma'), rps(c, 'moleculer RoundRobin'));
        ratios[`oursOverMoleculerLatency.c${c}`] = ratio(rps(c, 'orion balanced p2c-ewma'), rps(c, 'moleculer Latency'));
        ratios[`oursRoundRobinOverMoleculerRoundRobin.c${c}`] = ratio(rps(c, 'orion balanced round-robin'), rps(c, 'moleculer RoundRobin'));
      }
      ctx.log('\nratios (req/s, ours / Moleculer)');
      ctx.log(
        table(
          ['ratio', ...CONCURRENCY.map((c) => `c=${c}`)],
          ['oursOverMoleculerRoundRobin', 'oursOverMoleculerLatency', 'oursRoundRobinOverMoleculerRoundRobin'].map((name) => [
            name,
            ...CONCURRENCY.map((c) => fmt.ratio(ratios[`${name}.c${c}`])),
          ]),
        ),
      );
      return {
        settings: { instances: INSTANCES, concurrency: CONCURRENCY, rounds, roundMs, warmupMs, payloadBytes: ECHO_PAYLOAD_BYTES },
        figures: results,
        ratios,
        goals: [
          judge(
            ctx,
            'ours (p2c-ewma) >= 1.2x Moleculer RoundRobin at c=16',
            '>= 1.2',
            ratios['oursOverMoleculerRoundRobin.c16'],
            (v) => v >= 1.2,
          ),
          judge(
            ctx,
            'ours (p2c-ewma) >= 1.2x Moleculer RoundRobin at c=128',
            '>= 1.2',
            ratios['oursOverMoleculerRoundRobin.c128'],
            (v) => v >= 1.2,
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
