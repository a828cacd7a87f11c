import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { DISCOVERY_HEALTH_PATH } from '../discovery.constants';
import { InstanceRegistrar } from '../registration/instance-registrar';
import { ListenersHealthIndicator } from './listeners.health';
import { ServiceRegistryHealthIndicator } from './service-registry.health';

/**
 * `GET /health/live`: the process answers. `GET /health/ready`: listeners up, registry
 * reachable and not draining (503 otherwise). Served on the HTTP listener.
 *
 * @publicApi
 */
@Controller(DISCOVERY_HEALTH_PATH)
export class DiscoveryHealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly registry: ServiceRegistryHealthIndicator,
    private readonly listeners: ListenersHealthIndicator,
    private readonly registrar: InstanceRegistrar,
  ) {}

  @Get('live')
  live() {
    return { status: 'ok' };
  }

  @Get('ready')
  @HealthCheck()
  async ready() {
    if (this.registrar.status === 'draining') throw new ServiceUnavailableException({ status: 'draining' });
    return this.health.check([() => this.listeners.isHealthy(), () => this.registry.isHealthy()]);
  }
}
