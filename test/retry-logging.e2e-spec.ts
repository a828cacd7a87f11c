// A retried call must not log like a crash: when an instance is killed mid-burst, the calls
// that hit it (reset, broken pipe, refused) are retried on another instance, and what the
// caller's log gets is at most a debug or warn line without a stack trace (issue 14: "a
// retried call still logs an ERROR with a stack trace from Nest's client (EPIPE/ECONNRESET)").
// Three instances of test/fixtures/chaos-node.ts on a file:// registry, balanced TCP and gRPC
// clients in this process, every Nest log line captured.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger, type LoggerService } from '@nestjs/common';
import { createRegistry, type BalancedClientProxy, type BalancedTransport, type ServiceRegistry } from '@orion/discovery';
import { filter, firstValueFrom, lastValueFrom } from 'rxjs';
import { ChildApp } from './harness/child-app';
import { CHAOS_NODE, SteadyLoad, TTL_MS, chaosClient, expectNoFailedCall } from './fixtures/chaos-harness';

const TRANSPORTS: BalancedTransport[] = ['tcp', 'grpc'];

interface LogLine {
  level: 'log' | 'error' | 'warn' | 'debug' | 'verbose' | 'fatal';
  text: string;
}

/** Keeps every line any Nest `Logger` writes. */
class CapturingLogger implements LoggerService {
  readonly lines: LogLine[] = [];
  log = (...args: unknown[]) => this.push('log', args);
  error = (...args: unknown[]) => this.push('error', args);
  warn = (...args: unknown[]) => this.push('warn', args);
  debug = (...args: unknown[]) => this.push('debug', args);
  verbose = (...args: unknown[]) => this.push('verbose', args);
  fatal = (...args: unknown[]) => this.push('fatal', args);
  private push(level: LogLine['level'], args: unknown[]): void {
    const text = args
      .map((arg) => (arg instanceof Error ? `${arg.message}\n${arg.stack ?? ''}` : typeof arg === 'string' ? arg : JSON.stringify(arg)))
      .join(' ');
    this.lines.push({ level, text });
  }
}

describe('logs of calls retried after an instance is killed mid-burst (tcp, grpc)', () => {
  let dir: string;
  let registry: ServiceRegistry;
  const apps: ChildApp[] = [];
  const clients = new Map<BalancedTransport, BalancedClientProxy>();
  const logger = new CapturingLogger();

  beforeAll(async () => {
    Logger.overrideLogger(logger);
    dir = mkdtempSync(join(tmpdir(), 'orion-retry-logging-'));
    const url = `file://${dir}`;
    registry = createRegistry(url);
    apps.push(
      ...(await Promise.all([0, 1, 2].map(() => ChildApp.start(CHAOS_NODE, { REGISTRY_URL: url, TTL_MS: String(TTL_MS) }, 30_000)))),
    );
    await firstValueFrom(registry.watch('chaos').pipe(filter((list) => list.filter((i) => i.status === 'passing').length === 3)));
    for (const transport of TRANSPORTS) {
      const client = chaosClient(registry, transport);
      await client.connect();
      clients.set(transport, client);
    }
  }, 60_000);

  afterAll(async () => {
    for (const client of clients.values()) await client.close();
    await registry?.close();
    for (const app of apps) app.kill('SIGKILL');
    await Promise.all(apps.map((app) => app.exited));
    rmSync(dir, { recursive: true, force: true });
  });

  it('should retry elsewhere and log no error and no stack trace', async () => {
    const load = new SteadyLoad(clients, 8, 0);
    load.start();
    const victim = apps[0];
    const gone = firstValueFrom(registry.watch('chaos').pipe(filter((list) => !list.some((i) => i.id === victim.ready.instanceId))));
    try {
      // Mid-burst: the load's workers are all in flight once a call of ours went through on each client.
      for (const client of clients.values()) await lastValueFrom(client.send('work', { n: -1 }));
      victim.kill('SIGKILL');
      await victim.exited;
      // The registry drops it when its lease runs out: every client has had to deal with it by then.
      await gone;
    } finally {
      await load.stop();
    }
    expectNoFailedCall(load.calls, TRANSPORTS);
    const retries = [...clients.values()].reduce((sum, client) => sum + client.stats().retries, 0);
    expect(retries).toBeGreaterThan(0);
    const loud = logger.lines.filter((line) => line.level === 'error' || line.level === 'fatal');
    expect(loud).toEqual([]);
    const withStack = logger.lines.filter((line) => /\n\s+at /.test(line.text));
    expect(withStack).toEqual([]);
  }, 60_000);
});
