import { Logger } from '@nestjs/common';
import { createStrategy } from '../balancing/strategies';
import type { LeaderElector } from '../leader/leader-elector.interface';
import { createRegistry } from '../registry/create-registry.util';
import type { ServiceRegistry } from '../registry/service-registry.interface';
import { assertServiceName } from '../utils/validation.util';
import type { BalancedClientOptions } from './balanced-client.options';
import { BalancedClientProxy } from './balanced-client.proxy';
import { TRANSPORT_CLIENTS } from './transport-clients';

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
 * an unknown strategy (listing the valid ones), a transport without a client, or no
 * registry to watch.
 */
export function createBalancedClient(
  options: BalancedClientOptions,
  sharedRegistry?: ServiceRegistry,
  leaderElector?: LeaderElector,
): BalancedClientProxy {
  assertServiceName(options.service);
  if (!(options.transport in TRANSPORT_CLIENTS)) {
    throw new Error(
      `BalancedClientsModule: unknown transport '${options.transport}' for '${options.service}'; valid: ${Object.keys(TRANSPORT_CLIENTS).join(', ')}`,
    );
  }
  if (options.strategy !== undefined) createStrategy(options.strategy as never);
  if (typeof options.registry === 'string') return new OwningBalancedClientProxy(options, createRegistry(options.registry));
  const registry = options.registry ?? sharedRegistry;
  if (!registry) {
    throw new Error(`BalancedClientsModule: no registry for '${options.service}': import ServiceDiscoveryModule or pass 'registry'`);
  }
  new Logger('BalancedClient').debug?.(`client for '${options.service}' over ${options.transport}`);
  return new BalancedClientProxy(options, registry, leaderElector);
}
