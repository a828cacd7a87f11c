import { bracketHost, type TransportDescriptor } from '../transport.descriptor';
import { WsServer } from './ws.server';

/**
 * WebSocket in start-up: a `WsServer` for `ws`, on the HTTP server unless it has a port of
 * its own (then bound, for its address, once HTTP listens), its counters; advertised with a
 * ws:// or wss:// URL (as bound) and its path. @internal
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
  advertise({ ws }, resolveHost) {
    if (!ws) return undefined;
    const host = resolveHost(ws.host);
    const tls = ws.url.startsWith('wss:');
    const url = `${tls ? 'wss' : 'ws'}://${bracketHost(host)}:${ws.port}${ws.path}`;
    return { protocol: 'ws', host, port: ws.port, path: ws.path, url, tls };
  },
};
