// Orion pieces shared by the scenarios: a file registry in a temp directory, Orion echo
// instances as child processes, and balanced clients that wait until they see them.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastValueFrom } from 'rxjs';
import { TcpClient } from '@orion/protocols';
import { BalancedClientProxy, createRegistry, type BalancedClientOptions, type ServiceRegistry } from '@orion/discovery';
import { BenchChild, startAll } from './children';
import { sleep } from './load';

export const ORION_ECHO = 'bench/servers/orion-echo.ts';

export class FileRegistryDir {
  readonly dir = mkdtempSync(join(tmpdir(), 'orion-bench-'));
  readonly url = `file://${this.dir}`;
  readonly registry: ServiceRegistry = createRegistry(this.url);

  async close(): Promise<void> {
    await this.registry.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface OrionInstance {
  child: BenchChild;
  id: string;
  tcpPort: number;
  grpcUrl: string;
  /** A direct client to this instance's control endpoints. */
  control: TcpClient;
}

function toInstance(child: BenchChild): OrionInstance {
  const addresses = child.ready.addresses;
  return {
    child,
    id: child.ready.instanceId,
    tcpPort: addresses.tcp.port,
    grpcUrl: addresses.grpc.url,
    control: new TcpClient({ host: '127.0.0.1', port: addresses.tcp.port, timeoutMs: 5000 }),
  };
}

export async function startOrionInstance(registryUrl: string, env: Record<string, string> = {}): Promise<OrionInstance> {
  return toInstance(await BenchChild.start('orion-echo', ORION_ECHO, { REGISTRY_URL: registryUrl, ...env }));
}

/** Starts `count` instances at once (all or none). */
export async function startOrionInstances(count: number, registryUrl: string, env: Record<string, string> = {}): Promise<OrionInstance[]> {
  const children = await startAll(
    Array.from({ length: count }, () => () => BenchChild.start('orion-echo', ORION_ECHO, { REGISTRY_URL: registryUrl, ...env })),
  );
  return children.map(toInstance);
}

export async function setDelay(instance: OrionInstance, ms: number): Promise<void> {
  await lastValueFrom(instance.control.send('bench.delay', { ms }));
}

/** Echo requests served since the last call (and resets the count). */
export async function servedCount(instance: OrionInstance): Promise<number> {
  return (await lastValueFrom(instance.control.send('bench.count', {}))) as number;
}

export async function stopInstances(instances: OrionInstance[]): Promise<void> {
  for (const instance of instances) instance.control.close();
  await Promise.all(instances.map((i) => i.child.stop()));
}

/** A balanced client on `registry` that sees `count` instances before it returns. */
export async function balancedClient(
  registry: ServiceRegistry,
  options: Partial<BalancedClientOptions> & Pick<BalancedClientOptions, 'transport'>,
  count: number,
): Promise<BalancedClientProxy> {
  const client = new BalancedClientProxy({ service: 'echo', ...options }, registry);
  await client.connect();
  const until = Date.now() + 15_000;
  while (client.stats().instances.length < count) {
    if (Date.now() > until) throw new Error(`balanced client sees ${client.stats().instances.length} of ${count} instances`);
    await sleep(20);
  }
  return client;
}
