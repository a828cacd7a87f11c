// Issue 13, item 5: each of Orion's other servers against a plain server of its protocol,
// same client, same run: CPU per request of the server process (and req/s). WebSocket: a
// plain `ws` client, Orion's server vs a `ws` server; UDP: Orion's UdpClient, Orion's server
// vs a dgram socket with the same codec; gRPC: a raw grpc-js stub, Orion's server vs a grpc-js
// server of the same .proto. MQTT is left out (its broker's CPU would sit between the two).
// Run on its own (not in `npm run bench`'s list):
//   node -r ./test/harness/register-ts.js bench/scenarios/protocol-servers.ts [--smoke]
import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { lastValueFrom } from 'rxjs';
import WebSocket from 'ws';
import { UdpClient } from '@orion/protocols';
import { BenchChild } from '../lib/children';
import { compare, type Contender } from '../lib/compare';
import { ECHO_PAYLOAD } from '../lib/payload';
import { fmt, table, type Scenario, type ScenarioContext, type ScenarioOutput } from '../lib/scenario';

const CONCURRENCY = [1, 16];
const PROTOCOLS = ['ws', 'udp', 'grpc'] as const;

/** A plain `ws` client pairing replies with requests by id. */
class WsCaller {
  private next = 0;
  private readonly waiting = new Map<string, (value: unknown) => void>();
  private constructor(private readonly socket: WebSocket) {
    socket.on('message', (raw) => {
      const frame = JSON.parse(raw.toString()) as { id: string; data?: unknown; error?: unknown };
      this.waiting.get(frame.id)?.(frame.data);
      this.waiting.delete(frame.id);
    });
  }
  static async open(url: string): Promise<WsCaller> {
    const socket = new WebSocket(url);
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    return new WsCaller(socket);
  }
  call(data: unknown): Promise<unknown> {
    const id = String(++this.next);
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.socket.send(JSON.stringify({ id, pattern: 'echo', data }));
    });
  }
  close(): void {
    this.socket.close();
  }
}

type EchoStub = {
  Echo(req: { json: string }, cb: (error: grpc.ServiceError | null, reply: { json: string }) => void): void;
  close(): void;
};

function grpcStub(protoPath: string, url: string): EchoStub {
  const definition = loadSync(protoPath, { keepCase: true });
  const Echo = (grpc.loadPackageDefinition(definition).orion as Record<string, grpc.ServiceClientConstructor>).Echo;
  return new Echo(url, grpc.credentials.createInsecure()) as unknown as EchoStub;
}

export const protocolServers: Scenario = {
  name: 'protocol-servers',
  title: "Orion's WebSocket, UDP and gRPC servers vs plain servers of each protocol (server CPU per request)",
  budgetMs: 240_000,
  async run(ctx: ScenarioContext): Promise<ScenarioOutput> {
    const rounds = ctx.isSmoke ? 1 : 4;
    const roundMs = ctx.isSmoke ? 60 : 700;
    const warmupMs = ctx.isSmoke ? 0 : 300;
    const children: BenchChild[] = [];
    const closers: Array<() => unknown> = [];
    try {
      const orion = await BenchChild.start('orion-protocols', 'bench/servers/orion-protocols-echo.ts');
      children.push(orion);
      const addresses = (
        orion.ready as unknown as { addresses: { ws: { url: string }; udp: { port: number }; grpc: { url: string; protoPath: string } } }
      ).addresses;
      const plain = await BenchChild.start('plain-protocols', 'bench/servers/plain-protocols-echo.ts', {
        PROTO_PATH: addresses.grpc.protoPath,
      });
      children.push(plain);
      const ports = plain.ready as unknown as { wsPort: number; udpPort: number; grpcPort: number };

      const wsOrion = await WsCaller.open(addresses.ws.url);
      const wsPlain = await WsCaller.open(`ws://127.0.0.1:${ports.wsPort}`);
      const udpOrion = new UdpClient({ port: addresses.udp.port });
      const udpPlain = new UdpClient({ port: ports.udpPort });
      const grpcOrion = grpcStub(addresses.grpc.protoPath, addresses.grpc.url);
      const grpcPlain = grpcStub(addresses.grpc.protoPath, `127.0.0.1:${ports.grpcPort}`);
      closers.push(
        () => wsOrion.close(),
        () => wsPlain.close(),
        () => udpOrion.close(),
        () => udpPlain.close(),
        () => grpcOrion.close(),
        () => grpcPlain.close(),
      );
      const json = JSON.stringify(ECHO_PAYLOAD);
      const unary = (stub: EchoStub) => () =>
        new Promise((resolve, reject) => stub.Echo({ json }, (error, reply) => (error ? reject(error) : resolve(reply))));
      const contenders: Contender[] = [
        { id: 'ws-orion', name: 'ws client -> Orion WebSocket server', call: () => wsOrion.call(ECHO_PAYLOAD), serverPids: [orion.pid] },
        { id: 'ws-plain', name: 'ws client -> plain ws server', call: () => wsPlain.call(ECHO_PAYLOAD), serverPids: [plain.pid] },
        {
          id: 'udp-orion',
          name: 'UdpClient -> Orion UDP server',
          call: () => lastValueFrom(udpOrion.send('echo', ECHO_PAYLOAD)),
          serverPids: [orion.pid],
        },
        {
          id: 'udp-plain',
          name: 'UdpClient -> plain dgram server',
          call: () => lastValueFrom(udpPlain.send('echo', ECHO_PAYLOAD)),
          serverPids: [plain.pid],
        },
        { id: 'grpc-orion', name: 'grpc-js stub -> Orion gRPC server', call: unary(grpcOrion), serverPids: [orion.pid] },
        { id: 'grpc-plain', name: 'grpc-js stub -> plain grpc-js server', call: unary(grpcPlain), serverPids: [plain.pid] },
      ];
      const results = await compare(contenders, { concurrency: CONCURRENCY, rounds, roundMs, warmupMs, log: ctx.log });
      const cpu = (c: number, id: string) => results[`c${c}`][id].cpuUsPerRequest.server;
      const ratios: Record<string, number | null> = {};
      const rows = PROTOCOLS.map((p) => {
        const cells = CONCURRENCY.map((c) => {
          const ours = cpu(c, `${p}-orion`);
          const base = cpu(c, `${p}-plain`);
          const r = ours === null || base === null || base === 0 ? null : ours / base;
          ratios[`${p} orion / plain c${c}`] = r;
          return `${fmt.us(ours)} / ${fmt.us(base)} = ${fmt.ratio(r)}`;
        });
        return [p, ...cells];
      });
      ctx.log('\nserver CPU µs per request, Orion / plain server of the protocol (same client)');
      ctx.log(table(['protocol', ...CONCURRENCY.map((c) => `c${c}`)], rows));
      return { figures: results, ratios, goals: [], settings: { concurrency: CONCURRENCY, rounds, roundMs, warmupMs } };
    } finally {
      for (const close of closers) await close();
      await Promise.all(children.map((c) => c.stop()));
    }
  },
};

if (require.main === module) {
  protocolServers
    .run({ isSmoke: process.argv.includes('--smoke'), log: (line = '') => process.stderr.write(line + '\n') })
    .then((output) => {
      process.stdout.write(JSON.stringify({ ratios: output.ratios }, null, 2) + '\n');
      process.exit(0);
    })
    .catch((error: unknown) => {
      process.stderr.write(`${String((error as Error)?.stack ?? error)}\n`);
      process.exit(1);
    });
}
