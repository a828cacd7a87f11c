// A plain Nest TCP microservice (no Orion): `@MessagePattern('echo')` returning its payload,
// as a child process. Tells how much of the end-to-end cost is Nest's own server.
import 'reflect-metadata';
import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MessagePattern, Payload, Transport, type MicroserviceOptions } from '@nestjs/microservices';
import { freePort } from '../../test/harness/servers';

@Controller()
class EchoController {
  @MessagePattern('echo')
  echo(@Payload() payload: unknown) {
    return payload;
  }
}

@Module({ controllers: [EchoController] })
class NestEchoModule {}

async function main() {
  const port = await freePort();
  const app = await NestFactory.createMicroservice<MicroserviceOptions>(NestEchoModule, {
    transport: Transport.TCP,
    options: { host: '127.0.0.1', port },
    logger: ['error'],
  });
  await app.listen();
  process.stdout.write(JSON.stringify({ event: 'ready', pid: process.pid, port }) + '\n');
}

main().catch((error: unknown) => {
  process.stdout.write(JSON.stringify({ event: 'error', message: String(error) }) + '\n');
  process.exit(1);
});
