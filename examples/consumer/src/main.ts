import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { OrionLogger, startProtocols } from '@orion/protocols';
import { AppModule, type Role } from './app.module';

/**
 * `node dist/main.js greeter` serves `greet` over HTTP, WebSocket, TCP, UDP and gRPC;
 * `node dist/main.js frontend` serves `GET /relay/:transport/:name` and calls a greeter.
 * Both register in the same registry (ORION_REGISTRY, default file://.orion/registry).
 * With MQTT_URL (an MQTT 3.1.1 broker), MQTT too.
 */
async function bootstrap(): Promise<void> {
  const role = process.argv[2] as Role;
  if (role !== 'greeter' && role !== 'frontend') throw new Error('usage: node dist/main.js greeter|frontend');
  const app = await NestFactory.create(
    AppModule.forRole({
      role,
      registry: process.env.ORION_REGISTRY ?? 'file://.orion/registry',
      host: process.env.HOST ?? '127.0.0.1',
      mqttUrl: process.env.MQTT_URL,
    }),
    { logger: new OrionLogger() },
  );
  app.enableShutdownHooks(); // SIGTERM: drain, deregister, close
  // Instead of app.listen() and app.startAllMicroservices(): starts every listener, then registers.
  const addresses = await startProtocols(app);
  // One line for scripts to wait on.
  console.log(`ORION_READY ${JSON.stringify({ role, pid: process.pid, addresses })}`);
}

bootstrap().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
