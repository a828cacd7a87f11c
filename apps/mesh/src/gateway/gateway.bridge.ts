import type { BridgeRule } from '@orion/protocols';
import { RateLimitMiddleware } from './rate-limit.middleware';

/**
 * The gateway's declarative routes (`ProtocolBridgeModule`): no controller code, each
 * rule forwards to a service through its balanced client with the caller's headers and
 * deadline, and the service's errors come back in the caller's protocol.
 */
export const GATEWAY_BRIDGE_RULES: BridgeRule[] = [
  // HTTP in, gRPC out: stock of one SKU from any inventory instance.
  { from: { protocol: 'http', pattern: 'GET /api/stock/:sku' }, to: { service: 'inventory', pattern: 'inventory.stock', timeoutMs: 2000 } },
  // MQTT in, TCP out: shop kiosks place orders by publishing on `shop/<kiosk>/orders`.
  // Under the edge's rate limit, as the HTTP API: a kiosk flood is refused, not forwarded.
  {
    from: { protocol: 'mqtt', pattern: 'shop/+/orders' },
    to: { service: 'orders', pattern: 'orders.create', timeoutMs: 3000 },
    middleware: [RateLimitMiddleware],
  },
];
