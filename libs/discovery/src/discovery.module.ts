import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { ASYNC_OPTIONS_TYPE, ConfigurableModuleClass, DISCOVERY_MODULE_OPTIONS, OPTIONS_TYPE } from './discovery.module-definition';
import { DiscoveryHealthController } from './health/discovery-health.controller';
import { ListenersHealthIndicator } from './health/listeners.health';
import { ServiceRegistryHealthIndicator } from './health/service-registry.health';
import type { ServiceDiscoveryModuleOptions } from './interfaces/discovery-options.interface';
import { MissingServiceNameError } from './errors/missing-service-name.error';
import { LeaderElection } from './leader/leader-election.service';
import { LeaderOnlyExplorer } from './leader/leader-only.explorer';
import { createLeaderElectorFor } from './leader/leader-elector-for-registry.util';
import { LEADER_ELECTOR } from './leader/leader.constants';
import { createRegistry } from './registry/create-registry.util';
import { InstanceRegistrar } from './registration/instance-registrar';
import { LoadReporter } from './registration/load-reporter';
import { assertServiceName } from './utils/validation.util';
import { getRegistryToken } from './utils/get-registry-token.util';
import { resolveTiming } from './registration/discovery-timing.util';

const registryProvider: Provider = {
  provide: getRegistryToken(),
  inject: [DISCOVERY_MODULE_OPTIONS],
  useFactory: (options: ServiceDiscoveryModuleOptions) => {
    // Fail at startup, naming the problem, rather than at the first heartbeat.
    if (options.service !== undefined) assertServiceName(options.service.name);
    else if (options.shouldRegister === true) throw new MissingServiceNameError('shouldRegister is true');
    resolveTiming(options);
    return typeof options.registry === 'string' ? createRegistry(options.registry) : options.registry;
  },
};

const electorProvider: Provider = {
  provide: LEADER_ELECTOR,
  inject: [DISCOVERY_MODULE_OPTIONS],
  useFactory: (options: ServiceDiscoveryModuleOptions) => options.leaderElector ?? createLeaderElectorFor(options.registry),
};

const exported = [
  getRegistryToken(),
  LEADER_ELECTOR,
  InstanceRegistrar,
  LoadReporter,
  LeaderElection,
  ServiceRegistryHealthIndicator,
  ListenersHealthIndicator,
];

/**
 * Registers this app in a shared registry once its listeners are up, heartbeats its health
 * and load, drains on shutdown, and provides leader election. (Named so as not to clash
 * with Nest core's `DiscoveryModule`.)
 *
 * @publicApi
 */
@Module({})
export class ServiceDiscoveryModule extends ConfigurableModuleClass {
  static override forRoot(options: typeof OPTIONS_TYPE): DynamicModule {
    return ServiceDiscoveryModule.withProviders(super.forRoot(options));
  }

  static override forRootAsync(options: typeof ASYNC_OPTIONS_TYPE): DynamicModule {
    return ServiceDiscoveryModule.withProviders(super.forRootAsync(options));
  }

  private static withProviders(definition: DynamicModule): DynamicModule {
    return {
      ...definition,
      imports: [...(definition.imports ?? []), TerminusModule, DiscoveryModule],
      controllers: [DiscoveryHealthController],
      providers: [
        ...(definition.providers ?? []),
        registryProvider,
        electorProvider,
        LoadReporter,
        InstanceRegistrar,
        LeaderElection,
        LeaderOnlyExplorer,
        ServiceRegistryHealthIndicator,
        ListenersHealthIndicator,
      ],
      exports: [...(definition.exports ?? []), ...exported],
    };
  }
}
