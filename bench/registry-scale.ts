// Registry scale benchmark: 10,000 instances (100 services x 100) in a real Redis and a
// real etcd, each started on free loopback ports for the run. Prints one JSON object.
//
//   node -r ./test/harness/register-ts.js bench/registry-scale.ts
//
// Per backend: registration time of all instances (20 owners, 200 writes in flight),
// time for one watcher to hold all 100 services, watch propagation (a heartbeat that
// changes an instance -> the watcher's next snapshot showing it; sequential, then a burst
// of concurrent changes) and the heap growth of the watching process. Bounded to ~2 min.
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { cpus } from 'node:os';
import type { Subscription } from 'rxjs';
import { EtcdRegistryAdapter, RedisRegistryAdapter, type ServiceInstance, type ServiceRegistry } from '@orion/discovery';
import { startEtcd } from '../test/harness/etcd';
import { startRedis } from '../test/harness/redis';
import { findBinary, type ManagedServer } from '../test/harness/servers';

const SERVICES = 100;
const PER_SERVICE = 100;
const OWNERS = 20;
const IN_FLIGHT = 200;
const SEQUENTIAL_CHANGES = 300;
const BURST_CHANGES = 1000;
const TTL_MS = 300_000;
const DEADLINE_MS = 110_000;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const serviceName = (s: number): string => `svc-${String(s).padStart(3, '0')}`;
const instanceId = (s: number, i: number): string => `${serviceName(s)}-${String(i).padStart(3, '0')}`;
const round = (value: number): number => Math.round(value * 100) / 100;

function percentiles(samples: number[]): { n: number; p50Ms: number; p99Ms: number; maxMs: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { n: sorted.length, p50Ms: round(at(0.5)), p99Ms: round(at(0.99)), maxMs: round(sorted[sorted.length - 1]) };
}

async function inParallel<T>(items: T[], limit: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await run(items[next++]);
    }),
  );
}

function registration(s: number, i: number): Omit<ServiceInstance, 'registeredAt' | 'renewedAt'> {
  const id = instanceId(s, i);
  return {
    id,
    service: serviceName(s),
    version: '1.4.2',
    zone: `zone-${i % 3}`,
    weight: 1,
    metadata: { team: 'core', seq: '0' },
    status: 'passing',
    endpoints: [
      { protocol: 'http', host: '10.0.0.1', port: 8000 + i, url: `http://10.0.0.1:${8000 + i}` },
      { protocol: 'tcp', host: '10.0.0.1', port: 9000 + i },
      { protocol: 'grpc', host: '10.0.0.1', port: 10000 + i, grpcPackage: 'orion', grpcServices: ['Orders'] },
    ],
    load: { inFlight: 0, requestsPerSecond: 0, latencyEwmaMs: 1.2, eventLoopUtilization: 0.05, eventLoopLagMs: 0.4 },
  };
}

async function measure(create: () => ServiceRegistry): Promise<Record<string, unknown>> {
  const owners = Array.from({ length: OWNERS }, create);
  const ownerOf = (s: number, i: number): ServiceRegistry => owners[(s * PER_SERVICE + i) % OWNERS];
  const all: Array<[number, number]> = [];
  for (let s = 0; s < SERVICES; s++) for (let i = 0; i < PER_SERVICE; i++) all.push([s, i]);

  const registerStart = performance.now();
  await inParallel(all, IN_FLIGHT, ([s, i]) => ownerOf(s, i).register(registration(s, i), { ttlMs: TTL_MS }));
  const registrationMs = performance.now() - registerStart;

  // One watcher process view of every service; `expect` resolves when a snapshot shows a change.
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const watcher = create();
  const views = new Map<string, ServiceInstance[]>();
  const waiting = new Map<string, { seq: string; resolve: (seenAt: number) => void }>();
  let onFull: (() => void) | undefined;
  const watchStart = performance.now();
  const subscriptions: Subscription[] = [];
  const full = new Promise<void>((resolve) => (onFull = resolve));
  for (let s = 0; s < SERVICES; s++) {
    const service = serviceName(s);
    subscriptions.push(
      watcher.watch(service).subscribe((snapshot) => {
        views.set(service, snapshot);
        if (views.size === SERVICES && [...views.values()].every((v) => v.length === PER_SERVICE)) onFull?.();
        for (const instance of snapshot) {
          const wanted = waiting.get(instance.id);
          if (wanted && instance.metadata.seq === wanted.seq) {
            waiting.delete(instance.id);
            wanted.resolve(performance.now());
          }
        }
      }),
    );
  }
  await full;
  onFull = undefined;
  const watchSyncMs = performance.now() - watchStart;
  gc();
  const heapGrowth = process.memoryUsage().heapUsed - heapBefore;

  // A change = a heartbeat whose patch changes metadata.seq. Latency from issuing it (write
  // round trip included) and from its acknowledgement, to the watcher snapshot showing it.
  let seq = 0;
  const change = async (s: number, i: number): Promise<{ fromIssue: number; afterAck: number }> => {
    const id = instanceId(s, i);
    const next = String(++seq);
    const seen = new Promise<number>((resolve) => waiting.set(id, { seq: next, resolve }));
    const start = performance.now();
    await ownerOf(s, i).heartbeat(id, { metadata: { team: 'core', seq: next } });
    const acked = performance.now();
    const seenAt = await seen;
    return { fromIssue: seenAt - start, afterAck: Math.max(0, seenAt - acked) };
  };
  const random = (): [number, number] => [Math.floor(Math.random() * SERVICES), Math.floor(Math.random() * PER_SERVICE)];
  const sequential: Array<{ fromIssue: number; afterAck: number }> = [];
  for (let n = 0; n < SEQUENTIAL_CHANGES; n++) sequential.push(await change(...random()));
  // Distinct instances, all in flight at once.
  const burstTargets = all.filter((_pair, n) => n % Math.floor(all.length / BURST_CHANGES) === 0).slice(0, BURST_CHANGES);
  const burstStart = performance.now();
  const burst = await Promise.all(burstTargets.map(([s, i]) => change(s, i)));
  const burstMs = performance.now() - burstStart;

  for (const subscription of subscriptions) subscription.unsubscribe();
  await Promise.all([watcher, ...owners].map((registry) => registry.close()));
  return {
    registrationMs: Math.round(registrationMs),
    registrationsPerSecond: Math.round((all.length / registrationMs) * 1000),
    watchInitialSyncMs: Math.round(watchSyncMs),
    propagationSequential: {
      fromIssue: percentiles(sequential.map((x) => x.fromIssue)),
      afterAck: percentiles(sequential.map((x) => x.afterAck)),
    },
    propagationBurst: {
      allVisibleMs: Math.round(burstMs),
      fromIssue: percentiles(burst.map((x) => x.fromIssue)),
      afterAck: percentiles(burst.map((x) => x.afterAck)),
    },
    watcherHeapGrowthMb: round(heapGrowth / 1e6),
    watcherHeapBytesPerInstance: Math.round(heapGrowth / all.length),
  };
}

async function withServer(
  binaryName: string,
  start: (binary: string) => Promise<ManagedServer & { remove(): void }>,
  run: (url: string) => Promise<Record<string, unknown>>,
): Promise<Record<string, unknown>> {
  const binary = findBinary(binaryName);
  if (!binary) return { skipped: `${binaryName} is not installed` };
  const server = await start(binary);
  try {
    return await run(server.url);
  } finally {
    await server.stop();
    server.remove();
  }
}

async function main(): Promise<void> {
  const deadline = setTimeout(() => {
    console.error(`registry-scale: over ${DEADLINE_MS} ms, aborting`);
    process.exit(2);
  }, DEADLINE_MS);
  deadline.unref();
  const startedAt = performance.now();
  const redis = await withServer(
    'redis-server',
    (b) => startRedis(b),
    (url) => measure(() => new RedisRegistryAdapter({ url, prefix: 'bench' })),
  );
  const etcd = await withServer(
    'etcd',
    (b) => startEtcd(b),
    (url) => measure(() => new EtcdRegistryAdapter({ url, prefix: 'bench' })),
  );
  const result = {
    benchmark: 'registry-scale',
    node: process.version,
    cpus: cpus().length,
    instances: SERVICES * PER_SERVICE,
    services: SERVICES,
    owners: OWNERS,
    writesInFlight: IN_FLIGHT,
    sequentialChanges: SEQUENTIAL_CHANGES,
    burstChanges: BURST_CHANGES,
    redis,
    etcd,
    totalMs: Math.round(performance.now() - startedAt),
  };
  console.log(JSON.stringify(result, null, 2));
  process.exit(0);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
