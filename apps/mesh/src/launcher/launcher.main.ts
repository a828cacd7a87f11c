import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join, relative } from 'node:path';
import {
  createLoggerFromEnv,
  startEmbeddedMqttBroker,
  UDP_HMAC_KEY_ENV,
  type EmbeddedMqttBroker,
  type OrionLogger,
} from '@orion/protocols';
import { GATEWAY_BRIDGE_RULES } from '../gateway/gateway.bridge';
import { CANARY_VERSION, type ServiceRole } from '../shared/mesh.constants';
import { withoutCredentials } from '../shared/mesh-env';
import type { ReadyReport } from '../shared/start-mesh-app.util';
import { howToTry } from './how-to-try';
import { meshTracingEnv } from './tracing-env.util';
import { HELP, parseLauncherOptions, type LauncherOptions } from './launcher.options';
import { MeshProcess } from './mesh.process';
import { placeSeedOrder, startDemoTraffic, waitForMesh } from './mesh-readiness';
import { RestartBackoff } from './restart-backoff';

const STARTUP_TIMEOUT_MS = 45_000;
const CONTEXT = 'mesh';

/**
 * `npm start`: starts the demo mesh (gateway + orders + inventory instances as separate
 * processes), waits until the gateway sees all of it, prints where to look and what to
 * try, and on SIGINT/SIGTERM stops the gateway, then the services (each drains), then the
 * in-process broker. A second Ctrl-C kills whatever is left. A child that crashes (killed,
 * or a non-zero exit) is restarted with a capped backoff, the gateway on the same port.
 */
export async function runLauncher(argv: readonly string[]): Promise<void> {
  let options: LauncherOptions;
  try {
    options = parseLauncherOptions(argv);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(2);
  }
  if (options.isHelp) {
    process.stdout.write(HELP + '\n');
    return;
  }
  const logger = createLoggerFromEnv();
  const launcher = new Launcher(options, logger);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void launcher.stop(signal));
  try {
    await launcher.start();
  } catch (error) {
    logger.error(`the demo mesh failed to start: ${(error as Error).message}`, CONTEXT);
    await launcher.stop('failure');
  }
}

/** How to start one child again: its role, index and environment, and its restart backoff. */
interface ChildSlot {
  role: ServiceRole;
  index: number;
  env: Record<string, string>;
  backoff: RestartBackoff;
  restartTimer?: NodeJS.Timeout;
}

class Launcher {
  /** The current process of each child, in start order (gateway first); a restart replaces its entry. */
  private readonly processes: MeshProcess[] = [];
  private readonly slots: ChildSlot[] = [];
  private broker?: EmbeddedMqttBroker;
  private stopping?: Promise<void>;
  private tracing?: ReturnType<typeof meshTracingEnv>;

  constructor(
    private readonly options: LauncherOptions,
    private readonly logger: OrionLogger,
  ) {}

  async start(): Promise<void> {
    const { options } = this;
    const logs = join(options.dir, 'logs');
    const data = join(options.dir, 'data');
    mkdirSync(logs, { recursive: true });
    // Demo data (orders, stock) starts fresh on every run.
    rmSync(data, { recursive: true, force: true });
    mkdirSync(data, { recursive: true });
    // The in-process broker checks credentials: the mesh's processes get the `mesh` user;
    // callers from outside (the kiosk command printed below) the `client` one, which may only
    // publish on the bridge's MQTT topics and read its own replies.
    this.broker = options.mqttUrl
      ? undefined
      : await startEmbeddedMqttBroker({
          auth: true,
          clientPublish: GATEWAY_BRIDGE_RULES.flatMap((rule) => (rule.from.protocol === 'mqtt' ? [rule.from.pattern] : [])),
        });
    const mqttUrl = options.mqttUrl ?? this.broker!.url;
    const meshUser = this.broker?.credentials?.mesh;
    const env: Record<string, string> = {
      REGISTRY_URL: options.registryUrl,
      MQTT_URL: mqttUrl,
      ...(meshUser ? { MQTT_USERNAME: meshUser.username, MQTT_PASSWORD: meshUser.password } : {}),
      MQTT_PROTOCOL_VERSION: this.broker ? '4' : '5',
      MESH_STRATEGY: options.strategy,
      MESH_TTL_MS: String(options.ttlMs),
      ...(options.canary > 0 ? { MESH_CANARY_SPLIT: '1' } : {}),
      MESH_DATA_DIR: data,
      // UDP signed with one shared secret: spoofed datagrams are dropped, replies unbounded by anti-amplification.
      [UDP_HMAC_KEY_ENV]: process.env[UDP_HMAC_KEY_ENV] || randomBytes(32).toString('hex'),
    };
    const spawnRole = (role: ServiceRole, index: number, extra: Record<string, string> = {}) => {
      const slot: ChildSlot = {
        role,
        index,
        env: { ...env, MESH_ZONE: index % 2 === 1 ? 'zone-a' : 'zone-b', ...extra },
        backoff: new RestartBackoff(),
      };
      this.slots.push(slot);
      return this.spawn(slot, this.slots.length - 1);
    };
    // Chosen here (not by the gateway) because every process's trace exporter needs it.
    const requested = options.port ?? ((await isPortFree(3000)) ? 3000 : 0);
    const port = requested === 0 ? await freePort() : requested;
    this.tracing = meshTracingEnv(`http://127.0.0.1:${port}`, process.env);
    Object.assign(env, this.tracing.env);
    const gateway = spawnRole('gateway', 1, { MESH_HTTP_PORT: String(port) });
    for (let i = 1; i <= options.inventory; i++) {
      // The last `--canary` instances run the canary version (a fleet mid-rollout).
      spawnRole('inventory', i, i > options.inventory - options.canary ? { MESH_VERSION: CANARY_VERSION } : {});
    }
    for (let i = 1; i <= options.orders; i++) spawnRole('orders', i);

    const reports = await withTimeout(
      Promise.all(this.processes.map((p) => p.ready.then((report) => (this.logReady(p, report), report)))),
      STARTUP_TIMEOUT_MS,
      'instances to start',
    );
    if (this.stopping) return;
    const gatewayUrl = (await gateway.ready).addresses.http!.url;
    // A restarted gateway comes back on the same port: the printed URLs stay valid.
    this.slots[0].env.MESH_HTTP_PORT = String((await gateway.ready).addresses.http!.port);
    await waitForMesh(gatewayUrl, { gateway: 1, orders: options.orders, inventory: options.inventory }, STARTUP_TIMEOUT_MS);
    const orderId = await placeSeedOrder(gatewayUrl, 10_000);
    if (this.stopping) return;
    if (options.trafficRps > 0) await startDemoTraffic(gatewayUrl, options.trafficRps);
    const first = (role: ServiceRole) => reports.find((r) => r.role === role && r.index === 1)!;
    const commands = howToTry({
      gatewayUrl,
      wsUrl: (await gateway.ready).addresses.ws!.url,
      orderId,
      orders: first('orders'),
      inventory: first('inventory'),
      mqttUrl: this.kioskUrl(mqttUrl),
      udpHmacKey: env[UDP_HMAC_KEY_ENV],
    });
    this.printBanner(gatewayUrl, withoutCredentials(mqttUrl), commands);
  }

  /** Stops everything once; resolves when every child exited, then exits the launcher. */
  stop(reason: string): Promise<void> {
    if (this.stopping) {
      // Second Ctrl-C: no more patience.
      this.logger.warn('killing every mesh process now', CONTEXT);
      for (const child of this.processes) child.kill();
      return this.stopping;
    }
    this.logger.log(`stopping the mesh (${reason}): gateway first, then the services drain`, CONTEXT);
    for (const slot of this.slots) clearTimeout(slot.restartTimer);
    this.stopping = (async () => {
      const [gateway, ...services] = this.processes;
      await gateway?.stop();
      await Promise.all(services.map((child) => child.stop()));
      await this.broker?.close();
      const pids = this.processes.map((p) => p.pid).join(', ');
      this.logger.log(`stopped: ${this.processes.length} processes exited (pids ${pids})`, CONTEXT);
      process.exit(reason === 'failure' ? 1 : 0);
    })();
    return this.stopping;
  }

  /** Starts (or restarts) the child of a slot and watches its exit. */
  private spawn(slot: ChildSlot, position: number): MeshProcess {
    const env = { ...slot.env, MESH_RESTARTS: String(slot.backoff.restarts) };
    const child = new MeshProcess(slot.role, slot.index, env, join(this.options.dir, 'logs', `${slot.role}-${slot.index}.log`));
    this.processes[position] = child;
    void child.exited.then((exit) => this.onExit(child, slot, position, exit));
    return child;
  }

  private onExit(
    child: MeshProcess,
    slot: ChildSlot,
    position: number,
    exit: { code: number | null; signal: NodeJS.Signals | null },
  ): void {
    if (child.isExpectedToExit || this.stopping) return;
    const who = `${child.name} (pid ${child.pid})`;
    // Nest re-raises the signal after a graceful shutdown: SIGTERM/SIGINT means it drained.
    if (exit.code === 0 || exit.signal === 'SIGTERM' || exit.signal === 'SIGINT') {
      this.logger.log(`${who} stopped (${exit.signal ?? 'exit 0'}); the rest of the mesh keeps serving`, CONTEXT);
      return;
    }
    const how = exit.signal ? `was killed (${exit.signal})` : `exited with code ${exit.code}`;
    const delayMs = slot.backoff.next(Date.now() - child.startedAt);
    const restart = slot.backoff.restarts;
    this.logger.warn(`${who} ${how}; restarting it in ${delayMs / 1000} s (restart ${restart}). Log: ${this.show(child.logFile)}`, CONTEXT);
    slot.restartTimer = setTimeout(() => {
      if (this.stopping) return;
      const next = this.spawn(slot, position);
      next.ready.then(
        (report) => this.logReady(next, report, `restart ${restart}`),
        () => undefined, // its exit is handled (and restarted) like any other
      );
    }, delayMs);
  }

  private logReady(child: MeshProcess, report: ReadyReport, note?: string): void {
    const endpoints = Object.entries(report.addresses).map(
      ([protocol, a]) => `${protocol} ${'url' in a && protocol !== 'grpc' ? a.url : `${a.host}:${a.port}`}`,
    );
    if (this.logger.format === 'json') {
      this.logger.log(
        { message: 'instance ready', name: child.name, instanceId: report.instanceId, pid: report.pid, endpoints, note },
        CONTEXT,
      );
    } else {
      const suffix = note ? `  (${note})` : '';
      this.logger.log(`${child.name.padEnd(11)} ready  pid ${String(report.pid).padEnd(7)} ${endpoints.join(' · ')}${suffix}`, CONTEXT);
    }
  }

  private printBanner(gatewayUrl: string, mqttUrl: string, commands: Array<{ label: string; command: string }>): void {
    const { options } = this;
    const dashboard = `${gatewayUrl}/dashboard`;
    if (this.logger.format === 'json') {
      this.logger.log(
        {
          message: 'mesh ready',
          dashboard,
          registry: withoutCredentials(options.registryUrl),
          broker: mqttUrl,
          commands: commands.map((c) => c.command),
        },
        CONTEXT,
      );
      return;
    }
    const lines = [
      '',
      `Orion Mesh demo is up: gateway, ${options.orders} × orders, ${options.inventory} × inventory (strategy ${options.strategy}${options.canary > 0 ? `; ${options.canary} canary at ${CANARY_VERSION}, split 90/10` : ''}).`,
      '',
      `  Dashboard  ${dashboard}`,
      `  Registry   ${withoutCredentials(options.registryUrl)}${options.registryUrl.startsWith('file:') ? '  (REGISTRY_URL=etcd://... or redis://... for a real one)' : ''}`,
      `  Broker     ${mqttUrl}${this.broker ? '  (in-process; MQTT_URL=mqtt://... for yours)' : ''}`,
      `  Autoscale  ${gatewayUrl}/autoscale  (advice; also on the dashboard)`,
      `  Traces     ${this.tracing?.shown ?? 'off'}`,
      `  Metrics    ${gatewayUrl}/metrics  (Prometheus; every instance serves its own)`,
      `  Logs       ${this.show(join(options.dir, 'logs'))}/<name>.log`,
      '',
      'Try it (from this directory):',
      ...commands.map((c) => `  ${c.label.padEnd(5)} ${c.command}`),
      '',
      'Kill an instance (kill -9 <pid> from the lines above): it leaves the dashboard and the launcher restarts it.',
      'Ctrl-C stops everything.',
      '',
    ];
    process.stdout.write(lines.join('\n') + '\n');
  }

  /** The broker URL for the printed kiosk command: with the `client` user of the in-process broker. */
  private kioskUrl(mqttUrl: string): string {
    const kiosk = this.broker?.credentials?.client;
    if (!kiosk) return mqttUrl;
    const url = new URL(mqttUrl);
    url.username = kiosk.username;
    url.password = kiosk.password;
    return url.toString().replace(/\/$/, '');
  }

  private show(path: string): string {
    const rel = relative(process.cwd(), path);
    return rel.startsWith('..') ? path : rel;
  }
}

/** A port free on loopback right now (the OS picks it). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>(
    (_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms / 1000} s waiting for ${what}`)), ms)),
  );
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
