// Server hot path (issue 13): CPU per request of each TCP server process, all driven by the
// same client (Nest's ClientTCP, as shipped), in one run, interleaved rounds:
//
//   server-orion        an Orion instance (bench/servers/orion-echo.ts), default handler path
//   server-orion-nest   the same app with ORION_HANDLER_PATH=nest (every endpoint through
//                       Nest's interceptor/pipe pipeline: the path endpoints with guards,
//                       pipes or interceptors take)
//   server-nest         a plain Nest TCP microservice (bench/servers/nest-echo.ts)
//   server-minimal      node:net speaking Nest's framing (bench/servers/limit-echo.ts)
//
// Not in `npm run bench`'s list (the smoke suite pins that list); run it on its own:
//   node -r ./test/harness/register-ts.js bench/scenarios/server-hot-path.ts [--smoke]
import { ClientTCP } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import { BenchChild } from '../lib/children';
import { compare } from '../lib/compare';
import { FileRegistryDir, startOrionInstance, stopInstances, type OrionInstance } from '../lib/orion';
import { ECHO_PAYLOAD } from '../lib/payload';
import { fmt, judge, table, type Scenario, type ScenarioContext, type ScenarioOutput } from '../lib/scenario';

const CONCURRENCY = [1, 16, 128];

export const serverHotPath: Scenario = {
  name: 'server-hot-path',
  title: 'Server hot path: CPU per request of Orion, Orion (Nest pipeline), plain Nest and a minimal server, Nest ClientTCP',
  budgetMs: 240_000,
  async run(ctx: ScenarioContext): Promise<ScenarioOutput> {
    const rounds = ctx.isSmoke ? 1 : 5;
    const roundMs = ctx.isSmoke ? 60 : 700;
    const warmupMs = ctx.isSmoke ? 0 : 400;
    const registry = new FileRegistryDir();
    const instances: OrionInstance[] = [];
    const clients: ClientTCP[] = [];
    const children: BenchChild[] = [];
    try {
      instances.push(await startOrionInstance(registry.url, { ORION_HANDLER_PATH: 'direct' }));
      instances.push(await startOrionInstance(registry.url, { ORION_HANDLER_PATH: 'nest' }));
      children.push(await BenchChild.start('nest-echo', 'bench/servers/nest-echo.ts'));
      children.push(await BenchChild.start('limit-nest', 'bench/servers/limit-echo.ts', { FRAMING: 'nest' }));
      const [orion, orionNest] = instances;
      const [nest, minimal] = children;
      const targets = [
        { id: 'server-orion', name: 'Orion instance', port: orion.tcpPort, pid: orion.child.pid },
        { id: 'server-orion-nest', name: 'Orion, ORION_HANDLER_PATH=nest', port: orionNest.tcpPort, pid: orionNest.child.pid },
        { id: 'server-nest', name: 'plain Nest TCP microservice', port: nest.ready.port, pid: nest.pid },
        { id: 'server-minimal', name: 'node:net, Nest framing', port: minimal.ready.port, pid: minimal.pid },
      ];
      const contenders = targets.map((t) => {
        const client = new ClientTCP({ host: '127.0.0.1', port: t.port });
        clients.push(client);
        return { id: t.id, name: t.name, call: () => lastValueFrom(client.send('echo', ECHO_PAYLOAD)), serverPids: [t.pid] };
      });
      await Promise.all(clients.map((c) => c.connect()));
      const results = await compare(contenders, { concurrency: CONCURRENCY, rounds, roundMs, warmupMs, log: ctx.log });
      const cpu = (c: number, id: string) => results[`c${c}`][id].cpuUsPerRequest.server;
      const per = (a: string, b: string) => (c: number) => {
        const x = cpu(c, a);
        const y = cpu(c, b);
        return x === null || y === null || y === 0 ? null : x / y;
      };
      ctx.log('\nserver CPU µs per request (same client: Nest ClientTCP)');
      ctx.log(
        table(
          ['server', ...CONCURRENCY.map((c) => `c${c}`)],
          targets.map((t) => [t.id, ...CONCURRENCY.map((c) => fmt.us(cpu(c, t.id)))]),
        ),
      );
      const ratioRows: Array<[string, (c: number) => number | null]> = [
        ['orion / nest', per('server-orion', 'server-nest')],
        ['orion / minimal', per('server-orion', 'server-minimal')],
        ['orion (Nest pipeline) / nest', per('server-orion-nest', 'server-nest')],
      ];
      ctx.log(
        table(
          ['ratio (CPU per request, lower is better)', ...CONCURRENCY.map((c) => `c${c}`)],
          ratioRows.map(([n, f]) => [n, ...CONCURRENCY.map((c) => fmt.ratio(f(c)))]),
        ),
      );
      const ratios: Record<string, number | null> = {};
      for (const [name, f] of ratioRows) for (const c of CONCURRENCY) ratios[`${name} c${c}`] = f(c);
      const worst = (f: (c: number) => number | null) => {
        const values = CONCURRENCY.map(f).filter((v): v is number => v !== null);
        return values.length ? Math.max(...values) : null;
      };
      return {
        figures: results,
        ratios,
        goals: [
          judge(
            ctx,
            'server CPU per request: Orion instance / plain Nest (worst concurrency)',
            '<= 1.0x',
            worst(ratioRows[0][1]),
            (v) => v <= 1,
          ),
          judge(
            ctx,
            'server CPU per request: Orion instance / minimal server (worst concurrency)',
            '<= 2.0x',
            worst(ratioRows[1][1]),
            (v) => v <= 2,
          ),
        ],
        settings: { concurrency: CONCURRENCY, rounds, roundMs, warmupMs, client: 'Nest ClientTCP' },
      };
    } finally {
      for (const client of clients) client.close();
      await stopInstances(instances);
      await Promise.all(children.map((c) => c.stop()));
      await registry.close();
    }
  },
};

if (require.main === module) {
  const isSmoke = process.argv.includes('--smoke');
  serverHotPath
    .run({ isSmoke, log: (line = '') => process.stderr.write(line + '\n') })
    .then((output) => {
      process.stdout.write(JSON.stringify({ goals: output.goals, ratios: output.ratios }, null, 2) + '\n');
      process.exit(0);
    })
    .catch((error: unknown) => {
      process.stderr.write(`${String((error as Error)?.stack ?? error)}\n`);
      process.exit(1);
    });
}
