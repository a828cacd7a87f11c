// Registry scale benchmark: 10,000 instances (100 services x 100) in a file:// directory, a
// real Redis and a real etcd (each server started on free loopback ports for the run).
// Standalone it prints one JSON object; `npm run bench -- registry-scale` runs it as a
// scenario (bench/scenarios/registry-scale.ts).
//
//   node -r ./test/harness/register-ts.js bench/registry-scale.ts
//
// Per backend: registration time of all instances (20 owners, 200 writes in flight),
// time for one watcher to hold all 100 services, watch propagation (a heartbeat that
// changes an instance -> the watcher's next snapshot showing it; sequential, then a burst
// of concurrent changes) and the heap growth of the watching process. Bounded to ~3 min.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { cpus } from 'node:os';
import type { Subscription } from 'rxjs';
import {
  EtcdRegistryAdapter,
  FileRegistryAdapter,
  RedisRegistryAdapter,
  type ServiceInstance,
  type ServiceRegistry,
} from '@orion/discovery';
import { startEtcd } from '../test/harness/etcd';
import { startRedis } from '../test/harness/redis';
import { findBinary, type ManagedServer } from '../test/harness/servers';

export type RegistryScaleBackend = 'file' | 'redis' | 'etcd';

export interface RegistryScaleOptions {
  services: number;
  perService: number;
  owners: number;
  inFlight: number;
  sequentialChanges: number;
  burstChanges: number;
  backends: RegistryScaleBackend[];
  /** Bound of the sequential phase and of the burst (ms); later changes are not issued / count as lost. */
  phaseTimeoutMs: number;
  /** Per-backend overrides (the file backend gets fewer changes: each costs far more there). */
  overrides?: Partial<Record<RegistryScaleBackend, Partial<Pick<RegistryScaleOptions, 'sequentialChanges' | 'burstChanges'>>>>;
}

/** The reference run: 10,000 instances. */
export const REGISTRY_SCALE_FULL: RegistryScaleOptions = {
  services: 100,
  perService: 100,
  owners: 20,
  inFlight: 200,
  sequentialChanges: 300,
  burstChanges: 1000,
  backends: ['file', 'redis', 'etcd'],
  phaseTimeoutMs: 30_000,
  overrides: { file: { sequentialChanges: 100, burstChanges: 300 } },
};

const TTL_MS = 300_000;
const DEADLINE_MS = 230_000;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const debug = (message: string): void => {
  if (process.env.REGISTRY_SCALE_DEBUG) console.error(`[registry-scale ${new Date().toISOString()}] ${message}`);
};
const serviceName = (s: number): string => `svc-${String(s).padStart(3, '0')}`;
const instanceId = (s: number, i: number): string => `${serviceName(s)}-${String(i).padStart(3, '0')}`;
const round = (value: number): number => Math.round(value * 100) / 100;

function percentiles(samples: number[]): { n: number; p50Ms: number; p99Ms: number; maxMs: number } {
  if (samples.length === 0) return { n: 0, p50Ms: 0, p99Ms: 0, maxMs: 0 };
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

async function measure(create: () => ServiceRegistry, options: RegistryScaleOptions): Promise<Record<string, unknown>> {
  const { services: SERVICES, perService: PER_SERVICE, owners: OWNERS, sequentialChanges: SEQUENTIAL_CHANGES, burstChanges } = options;
  const owners = Array.from({ length: OWNERS }, create);
  const ownerOf = (s: number, i: number): ServiceRegistry => owners[(s * PER_SERVICE + i) % OWNERS];
  const all: Array<[number, number]> = [];
  for (let s = 0; s < SERVICES; s++) for (let i = 0; i < PER_SERVICE; i++) all.push([s, i]);
  const BURST_CHANGES = Math.min(burstChanges, all.length);

  const registerStart = performance.now();
  await inParallel(all, options.inFlight, ([s, i]) => ownerOf(s, i).register(registration(s, i), { ttlMs: TTL_MS }));
  const registrationMs = performance.now() - registerStart;
  debug(`registered ${all.length} in ${Math.round(registrationMs)} ms`);

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
  debug(`watch synced in ${Math.round(watchSyncMs)} ms`);
  gc();
  const heapGrowth = process.memoryUsage().heapUsed - heapBefore;

  // A change = a heartbeat whose patch changes metadata.seq. Latency from issuing it (write
  // round trip included) and from its acknowledgement, to the watcher snapshot showing it.
  let seq = 0;
  // A change that fails (heartbeat error) or is not seen within the phase's time counts as lost.
  let lost = 0;
  const lostReasons = new Set<string>();
  const change = async (s: number, i: number, until: number): Promise<{ fromIssue: number; afterAck: number } | undefined> => {
    const id = instanceId(s, i);
    const next = String(++seq);
    const seen = new Promise<number>((resolve) => waiting.set(id, { seq: next, resolve }));
    const start = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const timeUp = new Promise<undefined>(
      (resolve) => (timer = setTimeout(() => resolve(undefined), Math.max(0, until - performance.now()))),
    );
    try {
      await ownerOf(s, i).heartbeat(id, { metadata: { team: 'core', seq: next } });
      const acked = performance.now();
      const seenAt = await Promise.race([seen, timeUp]);
      if (seenAt === undefined) throw new Error('not seen by the watcher in time');
      return { fromIssue: seenAt - start, afterAck: Math.max(0, seenAt - acked) };
    } catch (error) {
      waiting.delete(id);
      lost++;
      lostReasons.add(`${(error as Error).name}: ${(error as Error).message}`.slice(0, 160));
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  };
  const isDone = <T>(x: T | undefined): x is T => x !== undefined;

  // Idle cost of holding the view (watch connections, polling): CPU share over 2 s.
  const cpuBefore = process.cpuUsage();
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const cpu = process.cpuUsage(cpuBefore);
  const idleCpuShare = round((cpu.user + cpu.system) / 2e6);

  const random = (): [number, number] => [Math.floor(Math.random() * SERVICES), Math.floor(Math.random() * PER_SERVICE)];
  const sequential: Array<{ fromIssue: number; afterAck: number }> = [];
  const sequentialUntil = performance.now() + options.phaseTimeoutMs;
  let sequentialIssued = 0;
  for (; sequentialIssued < SEQUENTIAL_CHANGES && performance.now() < sequentialUntil; sequentialIssued++) {
    const result = await change(...random(), sequentialUntil);
    if (result) sequential.push(result);
  }
  debug(`sequential changes done (${sequential.length} of ${sequentialIssued} seen)`);
  // Distinct instances, all in flight at once.
  const burstTargets = all.filter((_pair, n) => n % Math.floor(all.length / BURST_CHANGES) === 0).slice(0, BURST_CHANGES);
  const burstStart = performance.now();
  const burst = (await Promise.all(burstTargets.map(([s, i]) => change(s, i, burstStart + options.phaseTimeoutMs)))).filter(isDone);
  const burstMs = performance.now() - burstStart;
  debug(`burst done in ${Math.round(burstMs)} ms (${burst.length} of ${burstTargets.length} seen)`);

  for (const subscription of subscriptions) subscription.unsubscribe();
  await Promise.all([watcher, ...owners].map((registry) => registry.close()));
  return {
    registrationMs: Math.round(registrationMs),
    registrationsPerSecond: Math.round((all.length / registrationMs) * 1000),
    watchInitialSyncMs: Math.round(watchSyncMs),
    watcherIdleCpuShare: idleCpuShare,
    propagationSequential: {
      issued: sequentialIssued,
      fromIssue: percentiles(sequential.map((x) => x.fromIssue)),
      afterAck: percentiles(sequential.map((x) => x.afterAck)),
    },
    propagationBurst: {
      issued: burstTargets.length,
      allVisibleMs: Math.round(burstMs),
      fromIssue: percentiles(burst.map((x) => x.fromIssue)),
      afterAck: percentiles(burst.map((x) => x.afterAck)),
    },
    watcherHeapGrowthMb: round(heapGrowth / 1e6),
    watcherHeapBytesPerInstance: Math.round(heapGrowth / all.length),
    lostChanges: lost,
    ...(lostReasons.size ? { lostReasons: [...lostReasons].slice(0, 3) } : {}),
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

async function withDirectory(run: (directory: string) => Promise<Record<string, unknown>>): Promise<Record<string, unknown>> {
  // The directory is on the default temp filesystem (a real disk here), as an app's would be.
  const directory = mkdtempSync(join(tmpdir(), 'orion-registry-scale-'));
  try {
    return { directory: tmpdir(), ...(await run(directory)) };
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

/** Measures every backend of `options.backends`; a missing server binary gives `{ skipped }`. */
export async function runRegistryScale(options: RegistryScaleOptions = REGISTRY_SCALE_FULL): Promise<Record<string, unknown>> {
  const startedAt = performance.now();
  const results: Record<string, unknown> = {};
  for (const backend of options.backends) {
    if (backend === 'file') {
      results.file = await withDirectory((directory) =>
        measure(() => new FileRegistryAdapter({ directory }), { ...options, ...options.overrides?.file }),
      );
    } else if (backend === 'redis') {
      results.redis = await withServer(
        'redis-server',
        (b) => startRedis(b),
        (url) => measure(() => new RedisRegistryAdapter({ url, prefix: 'bench' }), options),
      );
    } else {
      results.etcd = await withServer(
        'etcd',
        (b) => startEtcd(b),
        (url) => measure(() => new EtcdRegistryAdapter({ url, prefix: 'bench' }), options),
      );
    }
  }
  return {
    benchmark: 'registry-scale',
    node: process.version,
    cpus: cpus().length,
    instances: options.services * options.perService,
    services: options.services,
    owners: options.owners,
    writesInFlight: options.inFlight,
    sequentialChanges: options.sequentialChanges,
    burstChanges: Math.min(options.burstChanges, options.services * options.perService),
    phaseTimeoutMs: options.phaseTimeoutMs,
    overrides: options.overrides ?? {},
    ...results,
    totalMs: Math.round(performance.now() - startedAt),
  };
}

async function main(): Promise<void> {
  const deadline = setTimeout(() => {
    console.error(`registry-scale: over ${DEADLINE_MS} ms, aborting`);
    process.exit(2);
  }, DEADLINE_MS);
  deadline.unref();
  console.log(JSON.stringify(await runRegistryScale(), null, 2));
  process.exit(0);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
