// One pick per call, whatever the transport client: a client without the `call()` fast path
// (Orion's ws, mqtt, udp and http clients) takes the Observable path, and the pick made
// before that was found must be the one used. A pick moves a round-robin or weighted
// schedule, so a pick made twice per call skewed the shares (two instances under round
// robin: every call to the second). Clients are scripted (clientFactory) over a real memory
// registry; the real transports: test/balanced-transports.e2e-spec.ts.
import { lastValueFrom, Observable } from 'rxjs';
import { createRegistry } from '../registry/create-registry.util';
import type { ServiceInstance } from '../registry/service-instance.interface';
import type { ServiceRegistry } from '../registry/service-registry.interface';
import { createBalancedClient } from './balanced-client.factory';
import type { BalancedClientProxy } from './balanced-client.proxy';
import type { TransportClient } from './transport-clients';

/** Answers with its instance's id, on the Observable path only (no `call()`). */
class ObservableOnlyClient implements TransportClient {
  constructor(private readonly id: string) {}

  send(): Observable<unknown> {
    return new Observable((subscriber) => {
      queueMicrotask(() => {
        subscriber.next(this.id);
        subscriber.complete();
      });
    });
  }

  emit(): Observable<unknown> {
    return this.send();
  }

  close(): void {}
}

const instance = (id: string, weight: number): ServiceInstance => ({
  id,
  service: 'work',
  version: '1.0.0',
  weight,
  metadata: {},
  status: 'passing',
  endpoints: [{ protocol: 'ws', host: '127.0.0.1', port: 1000 }],
  registeredAt: Date.now(),
  renewedAt: Date.now(),
});

describe('BalancedClientProxy over a client without call()', () => {
  let registry: ServiceRegistry;
  let client: BalancedClientProxy | undefined;

  beforeEach(() => {
    registry = createRegistry(`memory://one-pick-${process.pid}-${Math.random().toString(36).slice(2)}`);
  });

  afterEach(async () => {
    await client?.close();
    client = undefined;
    await registry.close();
  });

  it.each([
    { strategy: 'round-robin' as const, weights: [1, 1], expected: { a: 10, b: 10 } },
    { strategy: 'weighted' as const, weights: [3, 1], expected: { a: 15, b: 5 } },
  ])('should use the one pick of each call ($strategy, weights $weights)', async ({ strategy, weights, expected }) => {
    await registry.register(instance('a', weights[0]), { ttlMs: 60_000 });
    await registry.register(instance('b', weights[1]), { ttlMs: 60_000 });
    client = createBalancedClient(
      {
        service: 'work',
        transport: 'ws',
        strategy,
        metrics: false,
        clientFactory: (_endpoint, owner) => new ObservableOnlyClient(owner.id),
      },
      registry,
    );
    await client.connect();
    const counts: Record<string, number> = {};
    for (let i = 0; i < 20; i++) {
      const id = await lastValueFrom(client.send<string>('work', i));
      counts[id] = (counts[id] ?? 0) + 1;
    }
    expect(counts).toEqual(expected);
    expect(client.stats().instances.map(({ id, picks }) => [id, picks])).toEqual([
      ['a', expected.a],
      ['b', expected.b],
    ]);
  });
});
