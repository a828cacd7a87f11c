import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { LEADER_ELECTOR } from '../leader/leader.constants';
import type { LeaderElector } from '../leader/leader-elector.interface';
import type { ServiceRegistry } from '../registry/service-registry.interface';
import { assertVersionRouting } from '../balancing/utils/version-range.util';
import { getBalancedClientToken } from '../utils/get-balanced-client-token.util';
import { getRegistryToken } from '../utils/get-registry-token.util';
import type { BalancedClientAsyncOptions, BalancedClientOptions } from './balanced-client.options';
import { createBalancedClient } from './balanced-client.factory';

const SHARED = [
  { token: getRegistryToken(), optional: true },
  { token: LEADER_ELECTOR, optional: true },
];

/**
 * Registers balanced clients, injectable with `@InjectBalancedClient(service)`. They watch
 * the registry of `ServiceDiscoveryModule` unless an entry names its own `registry`.
 *
 * ```ts
 * BalancedClientsModule.register([{ service: 'orders', transport: 'tcp', strategy: 'p2c-ewma' }])
 * // A fleet in migration: gRPC where an instance serves it, TCP otherwise (docs/balanced-clients.md).
 * BalancedClientsModule.register([{ service: 'orders', transport: ['grpc', 'tcp'] }])
 * ```
 *
 * @publicApi
 */
@Module({})
export class BalancedClientsModule {
  static register(clients: BalancedClientOptions[]): DynamicModule {
    // NOTE: version options are checked here, so a bad range fails where it is written.
    for (const options of clients) assertVersionRouting(options, `BalancedClientsModule '${options.service}'`);
    const providers: Provider[] = clients.map((options) => ({
      provide: getBalancedClientToken(options.name ?? options.service),
      inject: SHARED,
      useFactory: (registry?: ServiceRegistry, elector?: LeaderElector) => createBalancedClient(options, registry, elector),
    }));
    return { module: BalancedClientsModule, providers, exports: providers };
  }

  static registerAsync(clients: BalancedClientAsyncOptions[]): DynamicModule {
    const providers: Provider[] = clients.map((entry) => ({
      provide: getBalancedClientToken(entry.name),
      inject: [...SHARED, ...(entry.inject ?? [])],
      useFactory: async (registry?: ServiceRegistry, elector?: LeaderElector, ...deps: unknown[]) =>
        createBalancedClient(await entry.useFactory(...(deps as never[])), registry, elector),
    }));
    return { module: BalancedClientsModule, imports: clients.flatMap((c) => c.imports ?? []), providers, exports: providers };
  }
}
