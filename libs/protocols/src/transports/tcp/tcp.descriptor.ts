import type { TransportDescriptor } from '../transport.descriptor';
import { TcpServer } from './tcp.server';

/** TCP in start-up: a `TcpServer` for `tcp`, its address, its counters; advertised as host, port, tls. @internal */
export const TCP_DESCRIPTOR: TransportDescriptor = {
  protocol: 'tcp',
  create({ options, direct }) {
    if (!options.tcp) return undefined;
    const server = new TcpServer(options.tcp, direct);
    return {
      strategy: server,
      address: () => ({ tcp: { host: server.address().address, port: server.address().port, tls: options.tcp?.tls !== undefined } }),
      stats: () => ({ tcp: { droppedMessages: server.droppedMessages, refusedConnections: server.refusedConnections } }),
    };
  },
  advertise: ({ tcp }, resolveHost) => tcp && { protocol: 'tcp', host: resolveHost(tcp.host), port: tcp.port, tls: tcp.tls === true },
};
