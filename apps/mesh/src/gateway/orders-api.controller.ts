import { Controller, type OnApplicationBootstrap } from '@nestjs/common';
import { Endpoint, Msg, UseMiddleware } from '@orion/protocols';
import { InjectBalancedClient, type BalancedClientProxy } from '@orion/discovery';
import { lastValueFrom } from 'rxjs';
import { RateLimitMiddleware } from './rate-limit.middleware';

/**
 * The public API of the demo shop, on HTTP (`/api/orders`) and WebSocket (`/ws`, same
 * patterns). Each call goes to one `orders` instance over TCP, picked by the balancer.
 */
@Controller()
@UseMiddleware(RateLimitMiddleware)
export class OrdersApiController implements OnApplicationBootstrap {
  constructor(@InjectBalancedClient('orders') private readonly orders: BalancedClientProxy) {}

  /** Watch the registry from the start (as Nest advises for any ClientProxy), not on the first call. */
  async onApplicationBootstrap(): Promise<void> {
    await this.orders.connect();
  }

  @Endpoint('orders.create', { protocols: ['http', 'ws'], http: { method: 'POST', path: '/api/orders' } })
  create(@Msg() order: { sku?: unknown; qty?: unknown }) {
    return lastValueFrom(this.orders.send('orders.create', { sku: order?.sku, qty: order?.qty }));
  }

  @Endpoint('orders.get', { protocols: ['http', 'ws'], http: { method: 'GET', path: '/api/orders/:id' } })
  get(@Msg() request: { id?: unknown }) {
    return lastValueFrom(this.orders.send('orders.get', { id: request?.id }));
  }
}
