import type { ReadyReport } from '../shared/start-mesh-app.util';

export interface TryContext {
  gatewayUrl: string;
  wsUrl: string;
  orderId: string;
  orders: ReadyReport;
  inventory: ReadyReport;
  mqttUrl: string;
  /** The mesh's UDP HMAC key: the printed UDP command signs with it. */
  udpHmacKey?: string;
}

/**
 * The commands the launcher prints, one per protocol, with the real addresses. Each is a
 * complete shell line (the `#` note included) that prints JSON and exits 0; the demo-start
 * e2e test runs them exactly as printed.
 */
export function howToTry(c: TryContext): Array<{ label: string; command: string }> {
  const call = (protocol: string, target: string, pattern: string, json: object) =>
    `node scripts/call.js ${protocol} ${target} ${pattern} '${JSON.stringify(json)}'`;
  const lines: Array<{ label: string; command: string }> = [
    { label: 'HTTP', command: `curl -s -w '\\n' ${c.gatewayUrl}/api/orders/${c.orderId}   # gateway -> orders over TCP` },
    {
      label: 'HTTP',
      command: `curl -s -w '\\n' -X POST ${c.gatewayUrl}/api/orders -H 'content-type: application/json' -d '{"sku":"apple","qty":2}'`,
    },
    { label: 'HTTP', command: `curl -s -w '\\n' ${c.gatewayUrl}/api/stock/apple   # bridge rule -> inventory over gRPC` },
    { label: 'WS', command: call('ws', c.wsUrl, 'orders.create', { sku: 'pear', qty: 1 }) },
    {
      label: 'MQTT',
      command: `${call('mqtt', c.mqttUrl, 'shop/kiosk-1/orders', { sku: 'fig', qty: 1 })}   # bridge rule -> orders over TCP`,
    },
  ];
  const { tcp } = c.orders.addresses;
  if (tcp)
    lines.push({
      label: 'TCP',
      command: `${call('tcp', `${tcp.host}:${tcp.port}`, 'orders.get', { id: c.orderId })}   # ${c.orders.instanceId} directly`,
    });
  const { grpc, udp } = c.inventory.addresses;
  if (grpc)
    lines.push({
      label: 'gRPC',
      command: `${call('grpc', grpc.url, 'Inventory/GetStock', { sku: 'apple' })}   # ${c.inventory.instanceId}`,
    });
  if (udp)
    lines.push({
      label: 'UDP',
      command: `${c.udpHmacKey ? `ORION_UDP_HMAC_KEY=${c.udpHmacKey} ` : ''}${call('udp', `${udp.host}:${udp.port}`, 'inventory.stock', { sku: 'plum' })}   # ${c.inventory.instanceId}`,
    });
  return lines;
}
