import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InstanceRegistrar, LeaderElection, LeaderOnly } from '@orion/discovery';
import { EventsPublisher } from '../shared/events.publisher';
import {
  INVENTORY_RESTOCKED_EVENT,
  LOW_STOCK_THRESHOLD,
  RESTOCK_AMOUNT,
  RESTOCK_GROUP,
  RESTOCK_INTERVAL_MS,
} from '../shared/mesh.constants';
import { StockRepository } from './stock.repository';

/**
 * Every 5 s, refills the SKUs that ran low. Every inventory instance runs the timer, but
 * `@LeaderOnly` lets only the leader of `inventory-restock` do the work: stop the leader
 * and another instance takes over within a lease. Writes carry the leader's fencing token.
 */
@Injectable()
export class RestockJob implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('RestockJob');
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly stock: StockRepository,
    private readonly election: LeaderElection,
    private readonly registrar: InstanceRegistrar,
    private readonly events: EventsPublisher,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.restock(), RESTOCK_INTERVAL_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  @LeaderOnly(RESTOCK_GROUP)
  async restock(): Promise<void> {
    const token = this.election.fencingToken(RESTOCK_GROUP);
    if (token === undefined) return;
    for (const sku of this.stock.skus) {
      if (this.stock.get(sku).available >= LOW_STOCK_THRESHOLD) continue;
      try {
        const item = await this.stock.restock(sku, RESTOCK_AMOUNT, this.registrar.instanceId, token);
        this.logger.log({ message: 'restocked', sku, available: item.available, fencingToken: token });
        void this.events.publish(INVENTORY_RESTOCKED_EVENT, { sku, available: item.available, by: this.registrar.instanceId });
      } catch (error) {
        this.logger.warn(`restock of ${sku} refused: ${(error as Error).message}`);
      }
    }
  }
}
