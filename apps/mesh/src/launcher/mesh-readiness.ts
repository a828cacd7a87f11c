import type { MeshSnapshot } from '../gateway/mesh-view.service';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Waits until the gateway sees the whole mesh: every expected instance `passing` in its
 * registry view, every orders instance in its balanced client, and every orders instance
 * reporting (telemetry) that its client sees every inventory instance. Only then do the
 * printed commands work on the first try.
 */
export async function waitForMesh(gatewayUrl: string, expected: Record<string, number>, timeoutMs: number): Promise<MeshSnapshot> {
  const until = Date.now() + timeoutMs;
  let last: string | undefined;
  for (;;) {
    try {
      const snapshot = (await (await fetch(`${gatewayUrl}/api/mesh`, { signal: AbortSignal.timeout(2000) })).json()) as MeshSnapshot;
      const missing = Object.entries(expected).filter(([service, count]) => {
        const passing = snapshot.services.find((s) => s.name === service)?.instances.filter((i) => i.status === 'passing').length ?? 0;
        return passing < count;
      });
      const sees = (owner: (o: string) => boolean, service: string) =>
        snapshot.balancers.filter(
          (b) => owner(b.owner) && b.stats.service === service && b.stats.instances.length >= (expected[service] ?? 0),
        );
      const isGatewayReady = sees((o) => o === snapshot.gateway, 'orders').length === 1;
      const isOrdersReady = sees((o) => o.startsWith('orders-'), 'inventory').length >= (expected.orders ?? 0);
      if (missing.length === 0 && isGatewayReady && isOrdersReady) return snapshot;
      last = missing.length
        ? `waiting for ${missing.map(([s]) => s).join(', ')}`
        : 'waiting for the balanced clients to see every instance';
    } catch (error) {
      last = (error as Error).message;
    }
    if (Date.now() > until) throw new Error(`the mesh did not come up within ${timeoutMs / 1000} s (${last})`);
    await sleep(200);
  }
}

/** Places one order through the gateway, so the printed GET commands have a real id. */
export async function placeSeedOrder(gatewayUrl: string, timeoutMs: number): Promise<string> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const response = await fetch(`${gatewayUrl}/api/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sku: 'apple', qty: 1 }),
      signal: AbortSignal.timeout(3000),
    }).catch((error: Error) => error);
    if (!(response instanceof Error) && response.ok) return ((await response.json()) as { id: string }).id;
    const reason = response instanceof Error ? response.message : `${response.status} ${await response.text()}`;
    if (Date.now() > until) throw new Error(`could not place the first order: ${reason}`);
    await sleep(200);
  }
}

/** Starts the gateway's background demo orders (`--traffic`), now that everything is up. */
export async function startDemoTraffic(gatewayUrl: string, rps: number): Promise<void> {
  const response = await fetch(`${gatewayUrl}/api/demo/traffic`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ rps }),
    signal: AbortSignal.timeout(3000),
  });
  if (!response.ok) throw new Error(`could not start the demo traffic: ${response.status} ${await response.text()}`);
}
