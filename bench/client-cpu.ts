// Client CPU per call, interleaved A/B: the balanced TCP client (metrics off and on), Orion's
// TcpClient and Nest's ClientTCP (Nagle and no-delay), all in this process, against one server.
// CPU time (process.cpuUsage) per call is what a shared, noisy 2-core machine measures best:
// each round runs every contender once for CALLS calls at concurrency C (a full GC before
// each), and the figure is the median over ROUNDS rounds. With TARGET=orion the server is an
// Orion echo instance (its CPU per call is read from /proc as well); by default it is the
// minimal server speaking Nest's framing, so the figures are the clients' own.
//
//   C=16 CALLS=20000 ROUNDS=7 [TARGET=orion] [PIN=1] \
//     node --expose-gc -r ./test/harness/register-ts.js bench/client-cpu.ts
//
// PIN=1 pins this process to CPU 0 and the server to CPU 1 (taskset), so that the two never
// share a core and never swap: at c=1 the unpinned figures are bimodal (placement per round).
import { ClientTCP } from '@nestjs/microservices';
import { lastValueFrom, type Observable } from 'rxjs';
import { TcpClient } from '@orion/protocols';
import { BenchChild, pinToCpu } from './lib/children';
import { processCpuUs } from './lib/cpu';
import { NoDelayJsonSocket } from './lib/nest-nodelay-socket';
import { balancedClient, FileRegistryDir, startOrionInstance } from './lib/orion';
import { ECHO_PAYLOAD } from './lib/payload';

const C = Number(process.env.C ?? 16);
const CALLS = Number(process.env.CALLS ?? 20_000);
const ROUNDS = Number(process.env.ROUNDS ?? 7);
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);

interface Sender {
  send(pattern: string, data: unknown): Observable<unknown>;
}

async function run(client: Sender, calls: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next++ < calls) await lastValueFrom(client.send('echo', ECHO_PAYLOAD));
  };
  await Promise.all(Array.from({ length: C }, worker));
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1];

async function main(): Promise<void> {
  const registry = new FileRegistryDir();
  const isOrion = process.env.TARGET === 'orion';
  const host = '127.0.0.1';
  let port: number;
  let serverPid: number;
  let stopServer: () => Promise<unknown>;
  if (isOrion) {
    const instance = await startOrionInstance(registry.url);
    port = instance.tcpPort;
    serverPid = instance.child.pid;
    stopServer = async () => {
      instance.control.close();
      await instance.child.stop();
    };
  } else {
    const minimal = await BenchChild.start('limit-nest', 'bench/servers/limit-echo.ts', { FRAMING: 'nest' });
    port = minimal.ready.port;
    serverPid = minimal.pid;
    stopServer = () => minimal.stop();
    await registry.registry.register(
      {
        id: 'mini-1',
        service: 'echo',
        version: '0.0.0',
        weight: 1,
        metadata: {},
        status: 'passing',
        endpoints: [{ protocol: 'tcp', host, port }],
      },
      { ttlMs: 3_600_000 },
    );
  }
  if (process.env.PIN === '1') {
    pinToCpu(process.pid, 0);
    pinToCpu(serverPid, 1);
  }
  const balanced = await balancedClient(registry.registry, { transport: 'tcp', metrics: false }, 1);
  const balancedMetrics = await balancedClient(registry.registry, { transport: 'tcp' }, 1);
  const tcp = new TcpClient({ host, port });
  const nest = new ClientTCP({ host, port });
  const nestNoDelay = new ClientTCP({ host, port, socketClass: NoDelayJsonSocket });
  await Promise.all([tcp.connect(), nest.connect(), nestNoDelay.connect()]);
  const contenders: Record<string, Sender> = {
    'balanced, metrics off': balanced,
    'balanced (defaults)': balancedMetrics,
    TcpClient: tcp,
    'nest ClientTCP': nest,
    'nest no-delay': nestNoDelay,
  };
  for (const client of Object.values(contenders)) await run(client, Math.min(CALLS, 3000));
  const figures = new Map<string, { client: number[]; server: number[]; rps: number[] }>();
  for (let round = 0; round < ROUNDS; round++) {
    const names = Object.keys(contenders);
    for (let i = 0; i < names.length; i++) {
      const name = names[(i + round) % names.length];
      gc();
      const cpu = process.cpuUsage();
      const server = processCpuUs(serverPid) ?? 0;
      const started = performance.now();
      await run(contenders[name], CALLS);
      const elapsed = performance.now() - started;
      const used = process.cpuUsage(cpu);
      const entry = figures.get(name) ?? { client: [], server: [], rps: [] };
      entry.client.push((used.user + used.system) / CALLS);
      entry.server.push(((processCpuUs(serverPid) ?? 0) - server) / CALLS);
      entry.rps.push((CALLS / elapsed) * 1000);
      figures.set(name, entry);
    }
  }
  const bestNest = Math.min(median(figures.get('nest ClientTCP')!.client), median(figures.get('nest no-delay')!.client));
  const bestNestRps = Math.max(median(figures.get('nest ClientTCP')!.rps), median(figures.get('nest no-delay')!.rps));
  console.log(
    `c=${C}, ${CALLS} calls x ${ROUNDS} rounds, server: ${isOrion ? 'Orion instance' : 'minimal'}${process.env.PIN === '1' ? ', pinned' : ''}`,
  );
  console.log('contender              client µs/call  server µs/call     req/s   client CPU / best Nest   req/s / best Nest');
  for (const name of Object.keys(contenders)) {
    const { client, server, rps } = figures.get(name)!;
    console.log(
      `${name.padEnd(22)} ${median(client).toFixed(1).padStart(15)} ${median(server).toFixed(1).padStart(15)} ${median(rps).toFixed(0).padStart(9)} ${(median(client) / bestNest).toFixed(2).padStart(24)} ${(median(rps) / bestNestRps).toFixed(2).padStart(19)}`,
    );
  }
  await Promise.all([balanced.close(), balancedMetrics.close()]);
  for (const client of [tcp, nest, nestNoDelay]) client.close();
  await stopServer();
  await registry.close();
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
