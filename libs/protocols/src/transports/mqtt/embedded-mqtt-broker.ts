import { createServer, type AddressInfo } from 'node:net';

/** A running in-process broker. */
export interface EmbeddedMqttBroker {
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Starts an in-process MQTT 3.1.1 broker (npm `aedes`) on loopback: the embedded default
 * of `npm start` and of tests that need no Mosquitto. It does not speak MQTT 5, so
 * connect Orion's MQTT listener with `protocolVersion: 4`.
 *
 * @publicApi
 */
export async function startEmbeddedMqttBroker(options: { host?: string; port?: number } = {}): Promise<EmbeddedMqttBroker> {
  const { Aedes } = await import('aedes');
  const broker = await Aedes.createBroker();
  // NOTE: no Nagle: with delayed ACKs it stalls small request/reply packets ~40 ms.
  const server = createServer((socket) => {
    socket.setNoDelay(true);
    broker.handle(socket);
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  let closed: Promise<void> | undefined;
  return {
    url: `mqtt://${host}:${port}`,
    port,
    close: () =>
      (closed ??= new Promise<void>((resolve) => {
        server.close();
        broker.close(() => resolve());
      })),
  };
}
