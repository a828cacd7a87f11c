import type { TransportDescriptor } from '../transport.descriptor';
import { UdpServer } from './udp.server';

/** UDP in start-up: a `UdpServer` for `udp`, its address, its datagram counters; advertised as host and port. @internal */
export const UDP_DESCRIPTOR: TransportDescriptor = {
  protocol: 'udp',
  create({ options, direct }) {
    if (!options.udp) return undefined;
    const server = new UdpServer(options.udp, direct);
    return {
      strategy: server,
      address: () => ({ udp: { host: server.address().address, port: server.address().port } }),
      stats: () => ({ udp: server.stats() }),
    };
  },
  advertise: ({ udp }, resolveHost) => udp && { protocol: 'udp', host: resolveHost(udp.host), port: udp.port },
};
