import { Logger } from '@nestjs/common';
import { createStrategy } from '../balancing/strategies';
import { assertVersionRouting } from '../balancing/utils/version-range.util';
import type { LeaderElector } from '../leader/leader-elector.interface';
import { createRegistry } from '../registry/create-registry.util';
import type { ServiceRegistry } from '../registry/service-registry.interface';
import { assertServiceName } from '../utils/validation.util';
import type { BalancedClientOptions } from './balanced-client.options';
import { BalancedClientProxy } from './balanced-client.proxy';
import { PROTOCOL_PROBE_DEFAULT_MS } from './protocol-preference';
import { protocolProbeMs, transportPreference } from './transport-preference.util';

/** A balanced client that also closes the registry it created from a URL. */
class OwningBalancedClientProxy extends BalancedClientProxy {
  constructor(
    options: BalancedClientOptions,
    private readonly ownedRegistry: ServiceRegistry,
  ) {
    super(options, ownedRegistry);
  }

  override async close(): Promise<void> {
    await super.close();
    await this.ownedRegistry.close();
  }
}

/**
 * Builds a balanced client, failing early with a clear message for a bad service name,
 * an unknown strategy (listing the valid ones), a transport without a client (or a
 * preference list that is empty or repeats one), a bad `protocolProbeMs`, or no registry
 * to watch.
 */
export function createBalancedClient(
  options: BalancedClientOptions,
  sharedRegistry?: ServiceRegistry,
  leaderElector?: LeaderElector,
): BalancedClientProxy {
  assertServiceName(options.service);
  const transports = transportPreference(options.service, options.transport);
  protocolProbeMs(options.service, options.protocolProbeMs, PROTOCOL_PROBE_DEFAULT_MS);
  if (options.strategy !== undefined) createStrategy(options.strategy as never);
  assertVersionRouting(options, `BalancedClientsModule '${options.service}'`);
  if (typeof options.registry === 'string') return new OwningBalancedClientProxy(options, createRegistry(options.registry));
  const registry = options.registry ?? sharedRegistry;
  if (!registry) {
    throw new Error(`BalancedClientsModule: no registry for '${options.service}': import ServiceDiscoveryModule or pass 'registry'`);
  }
  new Logger('BalancedClient').debug?.(`client for '${options.service}' over ${transports.join(', ')}`);
  return new BalancedClientProxy(options, registry, leaderElector);
}
