// An Orion app serving `echo` over WebSocket (own port), UDP and gRPC, as a child process,
// for bench/scenarios/protocol-servers.ts (no registry; request log off, built-in
// middleware on). Reports {"event":"ready","addresses":...} on stdout.
import 'reflect-metadata';
import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Endpoint, Msg, ProtocolsModule, startProtocols } from '@orion/protocols';

@Controller()
class EchoController {
  @Endpoint('echo')
  echo(@Msg() payload: unknown) {
    return payload;
  }
}

@Module({
  imports: [ProtocolsModule.forRoot({ ws: { port: 0 }, udp: {}, grpc: {}, logRequests: false })],
  controllers: [EchoController],
})
class OrionProtocolsEchoModule {}

async function main() {
  const app = await NestFactory.create(OrionProtocolsEchoModule, { logger: ['error'] });
  const addresses = await startProtocols(app);
  process.stdout.write(JSON.stringify({ event: 'ready', pid: process.pid, addresses }) + '\n');
}

main().catch((error: unknown) => {
  process.stdout.write(JSON.stringify({ event: 'error', message: String(error) }) + '\n');
  process.exit(1);
});
