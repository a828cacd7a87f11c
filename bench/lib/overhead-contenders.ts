// The clients of the overhead scenario, each with its stable id (the key in the JSON), the
// server processes it reaches (for CPU per request) and its group:
//
//   tcp     to the same Orion instance: orion-tcp (balanced client, defaults: p2c-ewma, metrics
//           on), orion-tcp-nometrics, orion-tcp-client (Orion TcpClient, no balancing),
//           nest-tcp (Nest ClientTCP as shipped: Nagle on), nest-tcp-nodelay (ClientTCP with
//           a no-delay socket class); and limit (node:net ndjson client + server, batched on
//           both ends: bench/lib/ndjson-client.ts, bench/servers/limit-echo.ts).
//   client  to the minimal server speaking Nest's framing (server-minimal), so the client's own
//           cost shows: orion-tcp-mini, orion-tcp-client-mini, nest-tcp-mini,
//           nest-tcp-nodelay-mini; and nest-tcp-to-nest (ClientTCP to a plain Nest TCP
//           microservice, server-nest), to split the server's cost.
//   grpc    to the same Orion instance: orion-grpc (balanced), orion-grpc-client (Orion
//           GrpcClient), nest-grpc (ClientGrpcProxy), grpc-raw (an @grpc/grpc-js stub), and
//           grpc-raw-deadline: the same stub carrying what every Orion call carries (a grpc-js
//           deadline and the remaining budget as `x-orion-timeout-ms` metadata), to tell the
//           cost of that call shape from the client's own.
import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { ClientGrpcProxy, ClientTCP } from '@nestjs/microservices';
import { lastValueFrom, type Observable } from 'rxjs';
import { GrpcClient, TcpClient } from '@orion/protocols';
import type { BenchChild } from './children';
import type { Contender } from './compare';
import { NdjsonClient } from './ndjson-client';
import { NoDelayJsonSocket } from './nest-nodelay-socket';
import { balancedClient, type FileRegistryDir, type OrionInstance } from './orion';
import { ECHO_PAYLOAD } from './payload';

export interface GroupedContender extends Contender {
  group: 'tcp' | 'client' | 'grpc';
}

export interface OverheadServers {
  instance: OrionInstance;
  limit: BenchChild;
  minimal: BenchChild;
  nest: BenchChild;
}

export async function overheadContenders(
  registry: FileRegistryDir,
  servers: OverheadServers,
  closers: Array<() => unknown>,
): Promise<GroupedContender[]> {
  const { instance, limit: limitServer, minimal, nest } = servers;
  const host = '127.0.0.1';
  // The minimal Nest-framed server, registered by hand as service `echo-mini`.
  await registry.registry.register(
    {
      id: 'mini-1',
      service: 'echo-mini',
      version: '0.0.0',
      weight: 1,
      metadata: {},
      status: 'passing',
      endpoints: [{ protocol: 'tcp', host, port: minimal.ready.port }],
    },
    { ttlMs: 3_600_000 },
  );
  const balancedTcp = await balancedClient(registry.registry, { transport: 'tcp' }, 1);
  closers.push(() => balancedTcp.close());
  const balancedTcpBare = await balancedClient(registry.registry, { transport: 'tcp', metrics: false }, 1);
  closers.push(() => balancedTcpBare.close());
  const balancedGrpc = await balancedClient(registry.registry, { transport: 'grpc' }, 1);
  closers.push(() => balancedGrpc.close());
  const balancedMini = await balancedClient(registry.registry, { transport: 'tcp', service: 'echo-mini' }, 1);
  closers.push(() => balancedMini.close());
  const tcpClient = new TcpClient({ host, port: instance.tcpPort });
  const tcpClientMini = new TcpClient({ host, port: minimal.ready.port });
  const nestTcp = new ClientTCP({ host, port: instance.tcpPort });
  const nestTcpNoDelay = new ClientTCP({ host, port: instance.tcpPort, socketClass: NoDelayJsonSocket });
  const nestTcpMini = new ClientTCP({ host, port: minimal.ready.port });
  const nestTcpNoDelayMini = new ClientTCP({ host, port: minimal.ready.port, socketClass: NoDelayJsonSocket });
  const nestTcpToNest = new ClientTCP({ host, port: nest.ready.port });
  const limit = new NdjsonClient(host, limitServer.ready.port);
  const grpcMethods = instance.child.ready.addresses.grpc.methods;
  const grpcClient = new GrpcClient({ url: instance.grpcUrl, methods: grpcMethods });
  const packageDefinition = loadSync(instance.child.ready.addresses.grpc.protoPath, { keepCase: true });
  const nestGrpc = new ClientGrpcProxy({ url: instance.grpcUrl, package: 'orion', packageDefinition });
  const EchoStub = (grpc.loadPackageDefinition(packageDefinition).orion as Record<string, grpc.ServiceClientConstructor>).Echo;
  type EchoCallback = (error: grpc.ServiceError | null, reply: { json: string }) => void;
  const rawGrpc = new EchoStub(instance.grpcUrl, grpc.credentials.createInsecure()) as unknown as {
    Echo(req: { json: string }, cb: EchoCallback): void;
    Echo(req: { json: string }, metadata: grpc.Metadata, options: grpc.CallOptions, cb: EchoCallback): void;
    close(): void;
  };
  /** Orion's call shape on the raw stub: the deadline and the budget header of a 5 s call. */
  const budgetMetadata = (deadline: number) => {
    const metadata = new grpc.Metadata();
    metadata.set('x-orion-timeout-ms', String(deadline - Date.now()));
    return metadata;
  };
  for (const client of [tcpClient, tcpClientMini, nestTcp, nestTcpNoDelay, nestTcpMini, nestTcpNoDelayMini, nestTcpToNest, limit])
    closers.push(() => client.close());
  closers.push(
    () => grpcClient.close(),
    () => nestGrpc.close(),
    () => rawGrpc.close(),
  );
  await Promise.all([
    nestTcp.connect(),
    nestTcpNoDelay.connect(),
    nestTcpMini.connect(),
    nestTcpNoDelayMini.connect(),
    nestTcpToNest.connect(),
    limit.connect(),
    tcpClient.connect(),
    tcpClientMini.connect(),
  ]);
  const nestEcho = nestGrpc.getService<{ Echo(req: { json: string }): Observable<{ json: string }> }>('Echo');

  const send = (client: { send(p: string, d: unknown): Observable<unknown> }) => () => lastValueFrom(client.send('echo', ECHO_PAYLOAD));
  const orion = [instance.child.pid];
  const mini = [minimal.pid];
  const contenders: GroupedContender[] = [
    { group: 'tcp', id: 'orion-tcp', name: 'orion balanced (defaults)', call: send(balancedTcp), serverPids: orion },
    { group: 'tcp', id: 'orion-tcp-nometrics', name: 'orion balanced, metrics off', call: send(balancedTcpBare), serverPids: orion },
    { group: 'tcp', id: 'orion-tcp-client', name: 'orion TcpClient (no balancing)', call: send(tcpClient), serverPids: orion },
    { group: 'tcp', id: 'nest-tcp', name: 'nest ClientTCP (Nagle)', call: send(nestTcp), serverPids: orion },
    { group: 'tcp', id: 'nest-tcp-nodelay', name: 'nest ClientTCP, no-delay', call: send(nestTcpNoDelay), serverPids: orion },
    {
      group: 'tcp',
      id: 'limit',
      name: 'limit: node:net ndjson, batched',
      call: () => limit.send(ECHO_PAYLOAD),
      serverPids: [limitServer.pid],
    },
    { group: 'client', id: 'orion-tcp-mini', name: 'orion balanced -> minimal', call: send(balancedMini), serverPids: mini },
    { group: 'client', id: 'orion-tcp-client-mini', name: 'orion TcpClient -> minimal', call: send(tcpClientMini), serverPids: mini },
    { group: 'client', id: 'nest-tcp-mini', name: 'nest ClientTCP -> minimal', call: send(nestTcpMini), serverPids: mini },
    {
      group: 'client',
      id: 'nest-tcp-nodelay-mini',
      name: 'nest ClientTCP no-delay -> minimal',
      call: send(nestTcpNoDelayMini),
      serverPids: mini,
    },
    { group: 'client', id: 'nest-tcp-to-nest', name: 'nest ClientTCP -> plain Nest', call: send(nestTcpToNest), serverPids: [nest.pid] },
    { group: 'grpc', id: 'orion-grpc', name: 'orion balanced (grpc)', call: send(balancedGrpc), serverPids: orion },
    { group: 'grpc', id: 'orion-grpc-client', name: 'orion GrpcClient', call: send(grpcClient), serverPids: orion },
    {
      group: 'grpc',
      id: 'nest-grpc',
      name: 'nest ClientGrpcProxy',
      call: async () => JSON.parse((await lastValueFrom(nestEcho.Echo({ json: JSON.stringify(ECHO_PAYLOAD) }))).json) as unknown,
      serverPids: orion,
    },
    {
      group: 'grpc',
      id: 'grpc-raw',
      name: 'raw @grpc/grpc-js stub',
      call: () =>
        new Promise((resolve, reject) =>
          rawGrpc.Echo({ json: JSON.stringify(ECHO_PAYLOAD) }, (error, reply) => (error ? reject(error) : resolve(JSON.parse(reply.json)))),
        ),
      serverPids: orion,
    },
    {
      group: 'grpc',
      id: 'grpc-raw-deadline',
      name: 'raw stub + deadline + budget header',
      call: () => {
        const deadline = Date.now() + 5000;
        return new Promise((resolve, reject) =>
          rawGrpc.Echo({ json: JSON.stringify(ECHO_PAYLOAD) }, budgetMetadata(deadline), { deadline }, (error, reply) =>
            error ? reject(error) : resolve(JSON.parse(reply.json)),
          ),
        );
      },
      serverPids: orion,
    },
  ];
  // Every contender must really echo before anything is timed.
  for (const c of contenders) {
    const reply = await c.call(0);
    if (JSON.stringify(reply) !== JSON.stringify(ECHO_PAYLOAD)) throw new Error(`${c.id} did not echo: ${JSON.stringify(reply)}`);
  }
  return contenders;
}
