// Scenario 1, overhead: request/response echo of a ~100-byte JSON object to ONE instance,
// at concurrency 1, 16 and 128, by every client a user could pick, in the same run:
//
//   tcp    Orion balanced client (defaults, so metrics on) | the same with metrics off |
//          Orion TcpClient (no balancing) | Nest ClientTCP, all to the same Orion instance;
//          and "limit": a minimal node:net client + server, newline-delimited JSON with
//          correlation ids on one socket (no framework on either side).
//   client the same clients against a minimal server speaking Nest's TCP framing, so the
//          server costs almost nothing and the client's own cost shows; and Nest's ClientTCP
//          to a plain Nest TCP microservice (no Orion), to split the server's cost.
//   grpc   Orion balanced client | Orion GrpcClient | Nest ClientGrpcProxy | raw
//          @grpc/grpc-js stub, all to the same Orion instance.
//
// Contenders are measured in interleaved rounds (order rotated each round) so that a change
// in machine load hits all of them alike; req/s is the median over rounds, latencies are
// pooled over rounds.
import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { ClientGrpcProxy, ClientTCP } from '@nestjs/microservices';
import { lastValueFrom, type Observable } from 'rxjs';
import { GrpcClient, TcpClient } from '@orion/protocols';
import { BenchChild } from '../lib/children';
import { compare, type Contender } from '../lib/compare';
import { ratio } from '../lib/latency';
import { NdjsonClient } from '../lib/ndjson-client';
import { balancedClient, FileRegistryDir, startOrionInstance, stopInstances } from '../lib/orion';
import { ECHO_PAYLOAD, ECHO_PAYLOAD_BYTES } from '../lib/payload';
import { fmt, judge, table, type Scenario, type ScenarioContext } from '../lib/scenario';

interface GroupedContender extends Contender {
  group: 'tcp' | 'client' | 'grpc';
}

const CONCURRENCY = [1, 16, 128];

export const overhead: Scenario = {
  name: 'overhead',
  title: 'Overhead: echo to one instance, ours vs Nest ClientProxy, grpc-js and the node:net limit',
  budgetMs: 240_000,
  async run(ctx: ScenarioContext) {
    const rounds = ctx.isSmoke ? 1 : 5;
    const roundMs = ctx.isSmoke ? 60 : 650;
    const warmupMs = ctx.isSmoke ? 0 : 300;
    const registry = new FileRegistryDir();
    const closers: Array<() => unknown> = [];
    const instance = await startOrionInstance(registry.url);
    const [limitServer, nestFramedServer, plainNestServer] = await Promise.all([
      BenchChild.start('limit-ndjson', 'bench/servers/limit-echo.ts', { FRAMING: 'ndjson' }),
      BenchChild.start('limit-nest', 'bench/servers/limit-echo.ts', { FRAMING: 'nest' }),
      BenchChild.start('nest-echo', 'bench/servers/nest-echo.ts'),
    ]);
    try {
      // The minimal Nest-framed server, registered by hand as service `echo-mini`.
      const miniPort = nestFramedServer.ready.port;
      await registry.registry.register(
        {
          id: 'mini-1',
          service: 'echo-mini',
          version: '0.0.0',
          weight: 1,
          metadata: {},
          status: 'passing',
          endpoints: [{ protocol: 'tcp', host: '127.0.0.1', port: miniPort }],
        },
        { ttlMs: 3_600_000 },
      );
      const balancedTcp = await balancedClient(registry.registry, { transport: 'tcp' }, 1);
      const balancedTcpBare = await balancedClient(registry.registry, { transport: 'tcp', metrics: false }, 1);
      const balancedGrpc = await balancedClient(registry.registry, { transport: 'grpc' }, 1);
      const balancedMini = await balancedClient(registry.registry, { transport: 'tcp', service: 'echo-mini' }, 1);
      const tcpClient = new TcpClient({ host: '127.0.0.1', port: instance.tcpPort });
      const tcpClientMini = new TcpClient({ host: '127.0.0.1', port: miniPort });
      const nestTcp = new ClientTCP({ host: '127.0.0.1', port: instance.tcpPort });
      const nestTcpMini = new ClientTCP({ host: '127.0.0.1', port: miniPort });
      const nestTcpPlain = new ClientTCP({ host: '127.0.0.1', port: plainNestServer.ready.port });
      const limit = new NdjsonClient('127.0.0.1', limitServer.ready.port);
      const grpcMethods = instance.child.ready.addresses.grpc.methods;
      const grpcClient = new GrpcClient({ url: instance.grpcUrl, methods: grpcMethods });
      const packageDefinition = loadSync(instance.child.ready.addresses.grpc.protoPath, { keepCase: true });
      const nestGrpc = new ClientGrpcProxy({ url: instance.grpcUrl, package: 'orion', packageDefinition });
      const EchoStub = (grpc.loadPackageDefinition(packageDefinition).orion as Record<string, grpc.ServiceClientConstructor>).Echo;
      const rawGrpc = new EchoStub(instance.grpcUrl, grpc.credentials.createInsecure()) as unknown as {
        Echo(req: { json: string }, cb: (error: grpc.ServiceError | null, reply: { json: string }) => void): void;
        close(): void;
      };
      closers.push(
        () => balancedTcp.close(),
        () => balancedTcpBare.close(),
        () => balancedGrpc.close(),
        () => balancedMini.close(),
        () => tcpClient.close(),
        () => tcpClientMini.close(),
        () => nestTcp.close(),
        () => nestTcpMini.close(),
        () => nestTcpPlain.close(),
        () => limit.close(),
        () => grpcClient.close(),
        () => nestGrpc.close(),
        () => rawGrpc.close(),
      );
      await Promise.all([
        nestTcp.connect(),
        nestTcpMini.connect(),
        nestTcpPlain.connect(),
        limit.connect(),
        tcpClient.connect(),
        tcpClientMini.connect(),
      ]);
      const nestEcho = nestGrpc.getService<{ Echo(req: { json: string }): Observable<{ json: string }> }>('Echo');

      const send = (client: { send(p: string, d: unknown): Observable<unknown> }) => () => lastValueFrom(client.send('echo', ECHO_PAYLOAD));
      const contenders: GroupedContender[] = [
        { group: 'tcp', name: 'orion balanced (tcp)', call: send(balancedTcp) },
        { group: 'tcp', name: 'orion balanced, metrics off (tcp)', call: send(balancedTcpBare) },
        { group: 'tcp', name: 'orion TcpClient (no balancing)', call: send(tcpClient) },
        { group: 'tcp', name: 'nest ClientTCP', call: send(nestTcp) },
        { group: 'tcp', name: 'limit: node:net ndjson', call: () => limit.send(ECHO_PAYLOAD) },
        { group: 'client', name: 'orion balanced -> minimal server', call: send(balancedMini) },
        { group: 'client', name: 'orion TcpClient -> minimal server', call: send(tcpClientMini) },
        { group: 'client', name: 'nest ClientTCP -> minimal server', call: send(nestTcpMini) },
        { group: 'client', name: 'nest ClientTCP -> plain Nest server', call: send(nestTcpPlain) },
        { group: 'grpc', name: 'orion balanced (grpc)', call: send(balancedGrpc) },
        { group: 'grpc', name: 'orion GrpcClient (no balancing)', call: send(grpcClient) },
        {
          group: 'grpc',
          name: 'nest ClientGrpcProxy',
          call: async () => JSON.parse((await lastValueFrom(nestEcho.Echo({ json: JSON.stringify(ECHO_PAYLOAD) }))).json),
        },
        {
          group: 'grpc',
          name: 'raw @grpc/grpc-js stub',
          call: () =>
            new Promise((resolve, reject) =>
              rawGrpc.Echo({ json: JSON.stringify(ECHO_PAYLOAD) }, (error, reply) =>
                error ? reject(error) : resolve(JSON.parse(reply.json)),
              ),
            ),
        },
      ];
      // Every contender must really echo before anything is timed.
      for (const c of contenders) {
        const reply = await c.call();
        if (JSON.stringify(reply) !== JSON.stringify(ECHO_PAYLOAD)) throw new Error(`${c.name} did not echo: ${JSON.stringify(reply)}`);
      }

      const results = await compare(contenders, { concurrency: CONCURRENCY, rounds, roundMs, warmupMs, log: ctx.log });

      const rps = (c: number, name: string) => results[`c${c}`][name].rps;
      const ratios: Record<string, number | null> = {};
      for (const c of CONCURRENCY) {
        ratios[`tcp.oursOverNest.c${c}`] = ratio(rps(c, 'orion balanced (tcp)'), rps(c, 'nest ClientTCP'));
        ratios[`tcp.oursOverLimit.c${c}`] = ratio(rps(c, 'orion balanced (tcp)'), rps(c, 'limit: node:net ndjson'));
        ratios[`tcp.metricsOffOverNest.c${c}`] = ratio(rps(c, 'orion balanced, metrics off (tcp)'), rps(c, 'nest ClientTCP'));
        ratios[`client.oursOverNest.c${c}`] = ratio(rps(c, 'orion balanced -> minimal server'), rps(c, 'nest ClientTCP -> minimal server'));
        ratios[`client.oursOverLimit.c${c}`] = ratio(rps(c, 'orion balanced -> minimal server'), rps(c, 'limit: node:net ndjson'));
        ratios[`server.orionOverPlainNest.c${c}`] = ratio(rps(c, 'nest ClientTCP'), rps(c, 'nest ClientTCP -> plain Nest server'));
        ratios[`server.plainNestOverMinimal.c${c}`] = ratio(
          rps(c, 'nest ClientTCP -> plain Nest server'),
          rps(c, 'nest ClientTCP -> minimal server'),
        );
        ratios[`grpc.oursOverNest.c${c}`] = ratio(rps(c, 'orion balanced (grpc)'), rps(c, 'nest ClientGrpcProxy'));
        ratios[`grpc.oursOverRawGrpcJs.c${c}`] = ratio(rps(c, 'orion balanced (grpc)'), rps(c, 'raw @grpc/grpc-js stub'));
        ratios[`grpc.oursOverLimit.c${c}`] = ratio(rps(c, 'orion balanced (grpc)'), rps(c, 'limit: node:net ndjson'));
      }
      ctx.log('\nratios (req/s, ours / baseline)');
      ctx.log(
        table(
          ['ratio', ...CONCURRENCY.map((c) => `c=${c}`)],
          [
            'tcp.oursOverNest',
            'tcp.metricsOffOverNest',
            'tcp.oursOverLimit',
            'client.oursOverNest',
            'client.oursOverLimit',
            'server.orionOverPlainNest',
            'server.plainNestOverMinimal',
            'grpc.oursOverNest',
            'grpc.oursOverRawGrpcJs',
            'grpc.oursOverLimit',
          ].map((name) => [name, ...CONCURRENCY.map((c) => fmt.ratio(ratios[`${name}.c${c}`]))]),
        ),
      );
      const worst = (name: string) => Math.min(...CONCURRENCY.map((c) => ratios[`${name}.c${c}`] ?? 0));
      return {
        settings: { concurrency: CONCURRENCY, rounds, roundMs, warmupMs, payloadBytes: ECHO_PAYLOAD_BYTES },
        figures: results,
        ratios,
        goals: [
          judge(ctx, 'tcp: ours >= 1.0x Nest ClientTCP (worst of c=1/16/128)', '>= 1.0', worst('tcp.oursOverNest'), (v) => v >= 1.0),
          judge(
            ctx,
            'grpc: ours >= 1.0x Nest ClientGrpcProxy (worst of c=1/16/128)',
            '>= 1.0',
            worst('grpc.oursOverNest'),
            (v) => v >= 1.0,
          ),
          judge(
            ctx,
            'tcp: ours >= 0.75x the node:net limit (worst of c=1/16/128)',
            '>= 0.75',
            worst('tcp.oursOverLimit'),
            (v) => v >= 0.75,
          ),
        ],
      };
    } finally {
      for (const close of closers) {
        try {
          await close();
        } catch {
          // closing a client that failed is fine
        }
      }
      await stopInstances([instance]);
      await Promise.all([limitServer.stop(), nestFramedServer.stop(), plainNestServer.stop()]);
      await registry.close();
    }
  },
};
