// Plain servers of each protocol, no framework, as one child process: a `ws` server
// answering Orion's frames `{id, pattern, data}` with `{id, data}`; a dgram socket answering
// Orion's UDP datagrams (same codec) with `{id, response}`; a grpc-js server of the .proto an
// Orion app generated (PROTO_PATH), `Echo` returning its request. Every message is parsed and
// every reply serialized, as any real server must. Reports {"event":"ready",...}.
import { createSocket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { WebSocketServer } from 'ws';
import { decodeDatagram, encodeDatagram } from '../../libs/protocols/src/transports/udp/udp-datagram';

async function main() {
  const ws = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((resolve) => ws.once('listening', resolve));
  ws.on('connection', (socket) =>
    socket.on('message', (raw) => {
      const frame = JSON.parse(raw.toString()) as { id?: string; data?: unknown };
      if (frame.id !== undefined) socket.send(JSON.stringify({ id: frame.id, data: frame.data ?? null }));
    }),
  );

  const udp = createSocket('udp4');
  await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', resolve));
  udp.on('message', (datagram, remote) => {
    const decoded = decodeDatagram(datagram);
    if (decoded.kind !== 'request') return;
    udp.send(encodeDatagram({ id: decoded.id, response: decoded.data }), remote.port, remote.address);
  });

  const definition = loadSync(process.env.PROTO_PATH!, { keepCase: true });
  const pkg = grpc.loadPackageDefinition(definition).orion as Record<string, grpc.ServiceClientConstructor>;
  const server = new grpc.Server();
  server.addService(pkg.Echo.service, {
    Echo: (call: grpc.ServerUnaryCall<{ json: string }, { json: string }>, callback: grpc.sendUnaryData<{ json: string }>) =>
      callback(null, { json: JSON.stringify(JSON.parse(call.request.json)) }),
  });
  const grpcPort = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, port) => (error ? reject(error) : resolve(port))),
  );
  const ready = {
    event: 'ready',
    pid: process.pid,
    wsPort: (ws.address() as AddressInfo).port,
    udpPort: (udp.address() as AddressInfo).port,
    grpcPort,
  };
  process.stdout.write(JSON.stringify(ready) + '\n');
}

main().catch((error: unknown) => {
  process.stdout.write(JSON.stringify({ event: 'error', message: String(error) }) + '\n');
  process.exit(1);
});
