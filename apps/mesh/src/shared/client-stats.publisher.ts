import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InstanceRegistrar, type BalancedClientProxy } from '@orion/discovery';
import { TELEMETRY_EVENT, TELEMETRY_INTERVAL_MS } from './mesh.constants';
import { EventsPublisher } from './events.publisher';

/** Injection token: the balanced clients whose `stats()` this instance publishes. */
export const PUBLISHED_CLIENTS = Symbol('PUBLISHED_CLIENTS');

/** What the gateway's dashboard receives from each service instance with balanced clients. */
export interface ClientStatsTelemetry {
  instanceId: string;
  clients: ReturnType<BalancedClientProxy['stats']>[];
}

/**
 * Every 2 s, publishes the balancer view of this instance's clients (picks, ejections,
 * retries, budget) as a `mesh.telemetry` MQTT event, for the gateway's dashboard.
 */
@Injectable()
export class ClientStatsPublisher implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;

  constructor(
    @Inject(PUBLISHED_CLIENTS) private readonly clients: BalancedClientProxy[],
    private readonly events: EventsPublisher,
    private readonly registrar: InstanceRegistrar,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.publish(), TELEMETRY_INTERVAL_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  private async publish(): Promise<void> {
    const telemetry: ClientStatsTelemetry = { instanceId: this.registrar.instanceId, clients: this.clients.map((c) => c.stats()) };
    await this.events.publish(TELEMETRY_EVENT, telemetry);
  }
}
