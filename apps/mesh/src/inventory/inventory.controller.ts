import { Controller } from '@nestjs/common';
import { Endpoint, Msg, ProtocolError } from '@orion/protocols';
import { EventsPublisher } from '../shared/events.publisher';
import { INVENTORY_LOW_EVENT, LOW_STOCK_THRESHOLD } from '../shared/mesh.constants';
import { StockRepository } from './stock.repository';

interface ReserveRequest {
  sku?: unknown;
  qty?: unknown;
  orderId?: unknown;
}

/**
 * The inventory service: stock per SKU. Served over HTTP, gRPC, UDP and MQTT (whatever
 * `ProtocolsModule` configures); `orders` reserves over gRPC through a balanced client.
 */
@Controller()
export class InventoryController {
  constructor(
    private readonly stock: StockRepository,
    private readonly events: EventsPublisher,
  ) {}

  @Endpoint('inventory.stock', { http: { method: 'GET', path: '/stock/:sku' }, grpc: { service: 'Inventory', method: 'GetStock' } })
  getStock(@Msg() request: { sku?: unknown }) {
    const item = this.stock.get(requireSku(request?.sku));
    return { sku: item.sku, available: item.available, reserved: item.reserved };
  }

  @Endpoint('inventory.list', { http: { method: 'GET', path: '/stock' }, grpc: { service: 'Inventory', method: 'List' } })
  list() {
    return { items: this.stock.skus.map((sku) => this.stock.get(sku)) };
  }

  // NOTE: not over MQTT: without shared subscriptions every instance would get the request
  // and reserve the stock once each. Reads are fine there: the first reply wins.
  @Endpoint('inventory.reserve', { protocols: ['grpc', 'http', 'udp'], grpc: { service: 'Inventory', method: 'Reserve' } })
  async reserve(@Msg() request: ReserveRequest) {
    const sku = requireSku(request?.sku);
    const qty = request?.qty ?? 1;
    if (!Number.isInteger(qty) || (qty as number) < 1 || (qty as number) > 10) {
      throw ProtocolError.invalidArgument('qty must be an integer 1..10');
    }
    const { before, after } = await this.stock.reserve(sku, qty as number);
    // Only when crossing the threshold, so a busy SKU does not flood the broker.
    if (before.available >= LOW_STOCK_THRESHOLD && after.available < LOW_STOCK_THRESHOLD) {
      void this.events.publish(INVENTORY_LOW_EVENT, { sku, available: after.available, threshold: LOW_STOCK_THRESHOLD });
    }
    return { sku, reserved: qty, available: after.available, orderId: request?.orderId ?? null };
  }
}

function requireSku(sku: unknown): string {
  if (typeof sku !== 'string' || sku.length === 0) throw ProtocolError.invalidArgument('sku must be a non-empty string');
  return sku;
}
