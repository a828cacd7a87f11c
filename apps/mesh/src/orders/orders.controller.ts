import { Controller, type OnApplicationBootstrap } from '@nestjs/common';
import { Endpoint, Msg, ProtocolError } from '@orion/protocols';
import { InjectBalancedClient, InstanceRegistrar, type BalancedClientProxy } from '@orion/discovery';
import { lastValueFrom } from 'rxjs';
import { OrdersRepository, type Order } from './orders.repository';

interface CreateOrderRequest {
  sku?: unknown;
  qty?: unknown;
}

interface Reservation {
  sku: string;
  reserved: number;
  available: number;
  servedBy?: string;
}

/**
 * The orders service. The gateway calls it over TCP through a balanced client; it
 * reserves stock from `inventory` over gRPC through its own balanced client.
 */
@Controller()
export class OrdersController implements OnApplicationBootstrap {
  constructor(
    @InjectBalancedClient('inventory') private readonly inventory: BalancedClientProxy,
    private readonly orders: OrdersRepository,
    private readonly registrar: InstanceRegistrar,
  ) {}

  /** Watch the registry from the start (as Nest advises for any ClientProxy), not on the first call. */
  async onApplicationBootstrap(): Promise<void> {
    await this.inventory.connect();
  }

  @Endpoint('orders.create', { http: { method: 'POST', path: '/orders' } })
  async create(@Msg() request: CreateOrderRequest): Promise<Order> {
    const sku = request?.sku;
    const qty = request?.qty ?? 1;
    if (typeof sku !== 'string' || sku.length === 0) throw ProtocolError.invalidArgument('sku must be a non-empty string');
    if (!Number.isInteger(qty) || (qty as number) < 1 || (qty as number) > 10)
      throw ProtocolError.invalidArgument('qty must be an integer 1..10');
    const id = this.orders.newId();
    // Errors of inventory (unknown SKU, out of stock) reach the caller unchanged.
    // The hash key only matters with `--strategy consistent-hash`: a SKU then sticks to one instance.
    const reservation = await lastValueFrom(
      this.inventory.send<Reservation>('inventory.reserve', { sku, qty, orderId: id }, { hashKey: sku }),
    );
    const order: Order = {
      id,
      sku,
      qty: qty as number,
      status: 'confirmed',
      createdAt: new Date().toISOString(),
      takenBy: this.registrar.instanceId,
      reservedBy: reservation.servedBy,
      stockLeft: reservation.available,
    };
    this.orders.save(order);
    return order;
  }

  @Endpoint('orders.get', { http: { method: 'GET', path: '/orders/:id' } })
  get(@Msg() request: { id?: unknown }): Order {
    const id = request?.id;
    if (typeof id !== 'string' || id.length === 0) throw ProtocolError.invalidArgument('id must be a non-empty string');
    const order = this.orders.find(id);
    if (!order) throw ProtocolError.notFound(`no order '${id}'`);
    return order;
  }
}
