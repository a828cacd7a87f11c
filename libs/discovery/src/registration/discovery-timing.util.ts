import { DISCOVERY_DEFAULT_TTL_MS } from '../discovery.constants';
import type { ServiceDiscoveryModuleOptions } from '../interfaces/discovery-options.interface';

/** TTL and heartbeat period, validated: a heartbeat must fit at least twice into a lease. */
export function resolveTiming(options: Pick<ServiceDiscoveryModuleOptions, 'ttlMs' | 'heartbeatMs'>): {
  ttlMs: number;
  heartbeatMs: number;
} {
  const ttlMs = options.ttlMs ?? DISCOVERY_DEFAULT_TTL_MS;
  if (!Number.isFinite(ttlMs) || ttlMs < 100) throw new Error(`ServiceDiscoveryModule: ttlMs must be >= 100, got ${ttlMs}`);
  const heartbeatMs = options.heartbeatMs ?? Math.floor(ttlMs / 3);
  if (!Number.isFinite(heartbeatMs) || heartbeatMs <= 0 || heartbeatMs > ttlMs / 2) {
    throw new Error(`ServiceDiscoveryModule: heartbeatMs must be > 0 and <= ttlMs / 2 (${ttlMs / 2}), got ${heartbeatMs}`);
  }
  return { ttlMs, heartbeatMs };
}
