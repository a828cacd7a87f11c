// Moleculer 0.15 baseline: three (or more) nodes as child processes on the TCP transporter
// with static addresses (no UDP discovery), and caller brokers in the bench process, one
// per strategy.
import { ServiceBroker } from 'moleculer';
import { freePort } from '../../test/harness/servers';
import { BenchChild, startAll } from './children';
import { sleep } from './load';

export type MoleculerStrategy = 'RoundRobin' | 'Latency';

/**
 * What the Moleculer side runs with: nothing is tuned. These are Moleculer 0.15's defaults
 * for what the bench does not set (checked in node_modules/moleculer), reported in the JSON.
 */
export const MOLECULER_SETTINGS = {
  version: '0.15',
  transporter: 'TCP (static urls, udpDiscovery off; sockets no-delay)',
  gossipPeriodS: 2,
  heartbeatIntervalS: 10,
  serializer: 'JSON',
  metrics: false,
  tracing: false,
  callerRegistry: 'strategy per caller, preferLocal: false',
  requestTimeoutMs: 5000,
};

export interface MoleculerMesh {
  nodes: BenchChild[];
  nodeIds: string[];
  /** The caller broker with this strategy (started on first use), seeing every node's `echo` service. */
  caller(strategy: MoleculerStrategy): Promise<ServiceBroker>;
  /** Requests each node served since the last call (resets them). */
  servedCounts(caller: ServiceBroker): Promise<Record<string, number>>;
  stop(): Promise<void>;
}

export async function startMoleculerMesh(count: number, callers: MoleculerStrategy[]): Promise<MoleculerMesh> {
  const nodeIds = Array.from({ length: count }, (_v, i) => `mol-${i + 1}`);
  const nodePorts = await Promise.all(nodeIds.map(() => freePort()));
  const callerIds = callers.map((s) => `caller-${s.toLowerCase()}`);
  const callerPorts = await Promise.all(callerIds.map(() => freePort()));
  const urls = [
    ...nodeIds.map((id, i) => `127.0.0.1:${nodePorts[i]}/${id}`),
    ...callerIds.map((id, i) => `127.0.0.1:${callerPorts[i]}/${id}`),
  ];
  const nodes = await startAll(
    nodeIds.map(
      (id, i) => () =>
        BenchChild.start(id, 'bench/servers/moleculer-echo.ts', { NODE_ID: id, PORT: String(nodePorts[i]), URLS: urls.join(',') }),
    ),
  );
  const brokers: ServiceBroker[] = [];
  const started = new Map<MoleculerStrategy, Promise<ServiceBroker>>();
  const startCaller = async (strategy: MoleculerStrategy): Promise<ServiceBroker> => {
    const index = callers.indexOf(strategy);
    if (index === -1) throw new Error(`no caller slot for ${strategy}`);
    const broker = new ServiceBroker({
      nodeID: callerIds[index],
      logger: false,
      requestTimeout: 5000,
      registry: { strategy, preferLocal: false },
      transporter: { type: 'TCP', options: { udpDiscovery: false, port: callerPorts[index], urls: urls.join(',') } },
    });
    brokers.push(broker);
    const t0 = performance.now();
    await broker.start();
    if (process.env.BENCH_DEBUG) console.error(`moleculer caller ${strategy}: started in ${Math.round(performance.now() - t0)} ms`);
    await broker.waitForServices(['echo'], 20_000, 50);
    // waitForServices is satisfied by the first node: wait until all of them serve echo.
    const until = Date.now() + 20_000;
    for (;;) {
      const endpoints = broker.registry.getActionEndpoints('echo.echo');
      if (endpoints && endpoints.count() >= count) break;
      if (Date.now() > until) throw new Error(`moleculer caller sees ${endpoints?.count() ?? 0} of ${count} nodes`);
      await sleep(50);
    }
    return broker;
  };
  return {
    nodes,
    nodeIds,
    caller(strategy) {
      let broker = started.get(strategy);
      if (!broker) started.set(strategy, (broker = startCaller(strategy)));
      return broker;
    },
    async servedCounts(caller) {
      const entries = await Promise.all(
        nodeIds.map(async (id) => [id, (await caller.call('echo.count', {}, { nodeID: id })) as number] as const),
      );
      return Object.fromEntries(entries);
    },
    async stop() {
      await Promise.all(brokers.map((b) => b.stop().catch(() => undefined)));
      await Promise.all(nodes.map((n) => n.stop()));
    },
  };
}
