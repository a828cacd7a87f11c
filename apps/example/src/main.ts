import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { createLoggerFromEnv, startEmbeddedMqttBroker, startProtocols, type EmbeddedMqttBroker } from '@orion/protocols';
import { AppModule } from './app.module';
import { howToCall } from './how-to-call';

/**
 * The example app: one endpoint served over HTTP, WebSocket, TCP, gRPC and MQTT. Uses the
 * in-process MQTT broker unless MQTT_URL is set. Ports: HTTP_PORT etc., default any free.
 */
async function bootstrap(): Promise<void> {
  const logger = createLoggerFromEnv();
  const port = (name: string) => Number(process.env[name] ?? 0);
  let broker: EmbeddedMqttBroker | undefined;
  const mqttUrl = process.env.MQTT_URL ?? (broker = await startEmbeddedMqttBroker()).url;
  const app = await NestFactory.create(
    AppModule.with({
      serviceName: 'example',
      http: { port: port('HTTP_PORT') },
      ws: {},
      tcp: { port: port('TCP_PORT') },
      grpc: { port: port('GRPC_PORT') },
      // The in-process broker speaks MQTT 3.1.1; a real broker gets MQTT 5.
      mqtt: { url: mqttUrl, protocolVersion: broker ? 4 : 5 },
    }),
    { logger },
  );
  app.enableShutdownHooks();
  const addresses = await startProtocols(app);
  const lines = [
    '',
    'Orion Mesh example is up: one @Endpoint("greet") on every protocol.',
    broker ? `(in-process MQTT broker at ${broker.url}; set MQTT_URL to use yours)` : `(MQTT broker: ${mqttUrl})`,
    '',
    ...howToCall(addresses),
    '',
    'Ctrl-C stops it.',
    '',
  ];
  process.stdout.write(lines.join('\n') + '\n');
  if (broker) {
    const close = broker.close;
    process.once('beforeExit', () => void close());
    app.getHttpServer().once('close', () => void close());
  }
}

bootstrap().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
