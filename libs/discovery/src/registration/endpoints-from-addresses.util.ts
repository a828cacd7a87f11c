import { ADVERTISED_TRANSPORTS, type BoundAddresses } from '@orion/protocols';
import type { ServiceEndpoint } from '../registry/service-instance.interface';
import { resolveAdvertiseHost } from './advertise-host.util';

/**
 * Every listener as other apps reach it: real ports, reachable host. Each transport's
 * descriptor in `@orion/protocols` says how its address is advertised.
 */
export function endpointsFromAddresses(addresses: BoundAddresses, advertiseHost?: string): ServiceEndpoint[] {
  const resolveHost = (boundHost: string) => resolveAdvertiseHost(boundHost, advertiseHost);
  const endpoints: ServiceEndpoint[] = [];
  for (const transport of ADVERTISED_TRANSPORTS) {
    const endpoint = transport.advertise(addresses, resolveHost);
    if (endpoint) endpoints.push(endpoint);
  }
  return endpoints;
}
