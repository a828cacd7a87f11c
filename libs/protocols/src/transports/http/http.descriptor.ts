import { bracketHost, type TransportAdvertisement } from '../transport.descriptor';

/**
 * HTTP's descriptor only advertises: the listener is the Nest app itself, which
 * `startProtocols` listens. Advertised with an http:// or https:// URL (as bound). @internal
 */
export const HTTP_DESCRIPTOR: TransportAdvertisement = {
  protocol: 'http',
  advertise({ http }, resolveHost) {
    if (!http) return undefined;
    const host = resolveHost(http.host);
    const tls = http.url.startsWith('https:');
    return { protocol: 'http', host, port: http.port, url: `${tls ? 'https' : 'http'}://${bracketHost(host)}:${http.port}`, tls };
  },
};
