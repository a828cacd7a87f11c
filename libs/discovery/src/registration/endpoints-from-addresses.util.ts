import type { BoundAddresses } from '@orion/protocols';
import type { ServiceEndpoint } from '../registry/service-instance.interface';
import { resolveAdvertiseHost } from './advertise-host.util';

function bracket(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** Every listener as other apps reach it: real ports, reachable host. */
export function endpointsFromAddresses(
  addresses: BoundAddresses & { udp?: { host: string; port: number } },
  advertiseHost?: string,
): ServiceEndpoint[] {
  const endpoints: ServiceEndpoint[] = [];
  const host = (bound: string) => resolveAdvertiseHost(bound, advertiseHost);
  if (addresses.http) {
    const h = host(addresses.http.host);
    const isTls = addresses.http.url.startsWith('https:');
    const url = `${isTls ? 'https' : 'http'}://${bracket(h)}:${addresses.http.port}`;
    endpoints.push({ protocol: 'http', host: h, port: addresses.http.port, url, tls: isTls });
  }
  if (addresses.ws) {
    const h = host(addresses.ws.host);
    const isTls = addresses.ws.url.startsWith('wss:');
    const url = `${isTls ? 'wss' : 'ws'}://${bracket(h)}:${addresses.ws.port}${addresses.ws.path}`;
    endpoints.push({ protocol: 'ws', host: h, port: addresses.ws.port, path: addresses.ws.path, url, tls: isTls });
  }
  if (addresses.tcp) {
    const h = host(addresses.tcp.host);
    endpoints.push({ protocol: 'tcp', host: h, port: addresses.tcp.port, tls: addresses.tcp.tls === true });
  }
  if (addresses.udp) {
    const h = host(addresses.udp.host);
    endpoints.push({ protocol: 'udp', host: h, port: addresses.udp.port });
  }
  if (addresses.grpc) {
    const h = host(addresses.grpc.host);
    endpoints.push({
      protocol: 'grpc',
      host: h,
      port: addresses.grpc.port,
      url: `${bracket(h)}:${addresses.grpc.port}`,
      tls: addresses.grpc.tls === true,
      grpcPackage: addresses.grpc.package,
      grpcServices: addresses.grpc.services,
      grpcMethods: addresses.grpc.methods,
    });
  }
  if (addresses.mqtt) {
    const url = new URL(addresses.mqtt.url);
    endpoints.push({
      protocol: 'mqtt',
      host: url.hostname,
      port: Number(url.port || 1883),
      url: addresses.mqtt.url,
      mqttTopicBase: addresses.mqtt.topicBase,
      mqttProtocolVersion: addresses.mqtt.protocolVersion,
      tls: url.protocol === 'mqtts:',
    });
  }
  return endpoints;
}
