import type { TransportDescriptor } from '../transport.descriptor';
import { WsServer } from './ws.server';

/**
 * WebSocket in start-up: a `WsServer` for `ws`, on the HTTP server unless it has a port of
 * its own (then bound, for its address, once HTTP listens), its counters. @internal
 */
export const WS_DESCRIPTOR: TransportDescriptor = {
  protocol: 'ws',
  create({ app, options, direct }) {
    if (!options.ws) return undefined;
    const sharesHttp = options.http !== undefined && options.ws.port === undefined;
    const server = new WsServer(options.ws, sharesHttp ? app.getHttpServer() : undefined, direct);
    return {
      strategy: server,
      address: ({ http }) => {
        if (sharesHttp && http) server.bindAddress(http.host, http.port);
        return { ws: server.address };
      },
      stats: () => ({ ws: { refusedConnections: server.refusedConnections } }),
    };
  },
};
