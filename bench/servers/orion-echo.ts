// One Orion instance of the `echo` service for the benchmarks, as a child process: a Nest
// app serving `echo` over TCP and gRPC (request log off, built-in middleware on), registered
// in REGISTRY_URL. Env: REGISTRY_URL, SERVICE_NAME (default echo), TTL_MS (default 3000),
// DELAY_MS (added latency).
// Control endpoints: `bench.delay` {ms} changes the added latency, `bench.count` returns and
// resets the number of echo requests served. Reports {"event":"ready",...} on stdout.
import 'reflect-metadata';
import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Endpoint, Msg, ProtocolsModule, startProtocols } from '@orion/protocols';
import { InstanceRegistrar, ServiceDiscoveryModule } from '@orion/discovery';

const env = process.env;
let delayMs = Number(env.DELAY_MS ?? 0);
let served = 0;
const report = (event: Record<string, unknown>) => process.stdout.write(JSON.stringify(event) + '\n');

@Controller()
class EchoController {
  @Endpoint('echo')
  echo(@Msg() payload: unknown) {
    served++;
    if (delayMs <= 0) return payload;
    return new Promise((resolve) => setTimeout(() => resolve(payload), delayMs));
  }

  @Endpoint('bench.delay')
  delay(@Msg() req: { ms: number }) {
    delayMs = Number(req?.ms) || 0;
    return { delayMs };
  }

  @Endpoint('bench.count')
  count() {
    const value = served;
    served = 0;
    return value;
  }
}

@Module({
  imports: [
    ProtocolsModule.forRoot({ tcp: {}, grpc: {}, logRequests: false }),
    ServiceDiscoveryModule.forRoot({
      service: { name: env.SERVICE_NAME ?? 'echo' },
      registry: env.REGISTRY_URL!,
      ttlMs: Number(env.TTL_MS ?? 3000),
      drain: { graceMs: 300, timeoutMs: 3000 },
    }),
  ],
  controllers: [EchoController],
})
class OrionEchoModule {}

async function main() {
  const app = await NestFactory.create(OrionEchoModule, { logger: ['error'] });
  app.enableShutdownHooks();
  const addresses = await startProtocols(app);
  report({ event: 'ready', pid: process.pid, instanceId: app.get(InstanceRegistrar).instanceId, addresses });
}

main().catch((error: unknown) => {
  report({ event: 'error', message: String(error) });
  process.exit(1);
});
