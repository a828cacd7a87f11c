import { Injectable, Optional } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { ProtocolsRuntime } from '@orion/protocols';

/**
 * Terminus indicator: every configured listener is up (startProtocols finished), with
 * the bound addresses as details.
 *
 * @publicApi
 */
@Injectable()
export class ListenersHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    @Optional() private readonly runtime?: ProtocolsRuntime,
  ) {}

  isHealthy(key = 'listeners') {
    const check = this.health.check(key);
    const addresses = this.runtime?.addresses;
    if (!addresses) return check.down('listeners are not started');
    return check.up({ protocols: Object.keys(addresses) });
  }
}
