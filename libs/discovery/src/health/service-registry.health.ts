import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { DISCOVERY_MODULE_OPTIONS } from '../discovery.module-definition';
import type { ServiceDiscoveryModuleOptions } from '../interfaces/discovery-options.interface';
import type { ServiceRegistry } from '../registry/service-registry.interface';
import { getRegistryToken } from '../utils/get-registry-token.util';

/**
 * Terminus indicator: the registry answers a `list` of this service (without a service name:
 * of the service names) within the timeout.
 *
 * @publicApi
 */
@Injectable()
export class ServiceRegistryHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    @Inject(getRegistryToken()) private readonly registry: ServiceRegistry,
    @Inject(DISCOVERY_MODULE_OPTIONS) private readonly options: ServiceDiscoveryModuleOptions,
  ) {}

  async isHealthy(key = 'registry', timeoutMs = 1000) {
    const check = this.health.check(key);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
    try {
      // An app without a service name (client only) checks that the registry answers at all.
      const name = this.options.service?.name;
      const result = await Promise.race([name === undefined ? this.registry.services() : this.registry.list(name), timeout]);
      if (result === 'timeout') return check.down(`timeout of ${timeoutMs}ms exceeded`);
      return check.up(name === undefined ? { services: result.length } : { instances: result.length });
    } catch (error) {
      return check.down((error as Error).message);
    } finally {
      clearTimeout(timer);
    }
  }
}
