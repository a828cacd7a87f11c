import { networkInterfaces } from 'node:os';
import { ADVERTISE_HOST_ENV } from '../discovery.constants';

const WILDCARDS = new Set(['0.0.0.0', '::', '']);

/**
 * The host other apps should dial: explicit option, `ORION_ADVERTISE_HOST`, the bound host
 * unless it is a wildcard, else the first non-internal IPv4 address, else loopback.
 */
export function resolveAdvertiseHost(boundHost: string, explicit?: string, env = process.env): string {
  if (explicit) return explicit;
  const fromEnv = env[ADVERTISE_HOST_ENV];
  if (fromEnv) return fromEnv;
  if (!WILDCARDS.has(boundHost)) return boundHost;
  for (const addresses of Object.values(networkInterfaces())) {
    for (const address of addresses ?? []) {
      if (address.family === 'IPv4' && !address.internal) return address.address;
    }
  }
  return '127.0.0.1';
}
