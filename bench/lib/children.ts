// Server processes of a benchmark: TypeScript run through test/harness/register-ts.js,
// reporting JSON lines on stdout ({"event":"ready",...}). Every child started here is
// SIGKILLed when this process exits, whatever the reason, so no run leaves servers behind.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export const ROOT = join(__dirname, '../..');
/** Child processes compile TypeScript through register-ts.js with a disk cache of swc's output. */
export const REGISTER_TS = join(ROOT, 'bench/lib/register-ts-cached.js');

const live = new Set<ChildProcess>();
let isHooked = false;

function hookExit(): void {
  if (isHooked) return;
  isHooked = true;
  process.once('exit', killAllChildren);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      killAllChildren();
      process.exit(130);
    });
  }
}

/** SIGKILLs every child still running (also called on exit). */
export function killAllChildren(): void {
  for (const child of live) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

/**
 * Pins every thread of process `pid` to CPU `cpu` (`npm run bench -- --pin`: the scenario's
 * process on CPU 0, its servers on CPU 1). Threads started later inherit the mask.
 */
export function pinToCpu(pid: number, cpu: number): void {
  execFileSync('taskset', ['-a', '-pc', String(cpu), String(pid)], { stdio: 'ignore' });
}

/** Tracks a process started elsewhere so it is killed on exit too. */
export function track(child: ChildProcess): void {
  hookExit();
  live.add(child);
  child.once('exit', () => live.delete(child));
}

/** What the bench servers report when they are up (fields depend on the server). */
export interface ReadyEvent {
  event: 'ready';
  pid: number;
  /** Minimal and plain Nest servers: their port. */
  port: number;
  /** Orion instances: the registered id and the addresses bound. */
  instanceId: string;
  addresses: {
    tcp: { host: string; port: number };
    grpc: { url: string; protoPath: string; methods: Record<string, { service: string; method: string }> };
  };
}

export class BenchChild {
  readonly events: Array<Record<string, unknown>> = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private stderr = '';

  private constructor(
    readonly name: string,
    readonly process: ChildProcess,
  ) {
    createInterface({ input: process.stdout! }).on('line', (line) => {
      try {
        this.events.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // not ours
      }
    });
    process.stderr!.on('data', (chunk: Buffer) => (this.stderr = (this.stderr + chunk.toString()).slice(-8000)));
    this.exited = new Promise((resolve) => process.once('exit', (code, signal) => resolve({ code, signal })));
  }

  /** Starts `script` (path from the repository root) and waits for its ready event. */
  static async start(name: string, script: string, env: Record<string, string> = {}, timeoutMs = 30_000): Promise<BenchChild> {
    const child = spawn(process.execPath, ['-r', REGISTER_TS, join(ROOT, script)], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    track(child);
    if (process.env.BENCH_PIN === '1') pinToCpu(child.pid!, 1);
    const app = new BenchChild(name, child);
    try {
      await app.waitFor((e) => e.event === 'ready', timeoutMs);
    } catch (error) {
      app.kill('SIGKILL');
      throw error;
    }
    return app;
  }

  get ready(): ReadyEvent {
    return this.events.find((e) => e.event === 'ready') as unknown as ReadyEvent;
  }

  get pid(): number {
    return this.process.pid!;
  }

  get isRunning(): boolean {
    return this.process.exitCode === null && this.process.signalCode === null;
  }

  get errorOutput(): string {
    return this.stderr;
  }

  async waitFor(predicate: (event: Record<string, unknown>) => boolean, timeoutMs = 10_000): Promise<Record<string, unknown>> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.find(predicate);
      if (found) return found;
      const error = this.events.find((e) => e.event === 'error');
      if (error) throw new Error(`${this.name} failed: ${String(error.message)}\n${this.stderr}`);
      if (!this.isRunning) throw new Error(`${this.name} exited (${this.process.exitCode ?? this.process.signalCode})\n${this.stderr}`);
      if (Date.now() > until) throw new Error(`${this.name}: no ready event within ${timeoutMs} ms\n${this.stderr}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (this.isRunning) this.process.kill(signal);
  }

  /** SIGKILL and wait for the exit. */
  async stop(): Promise<void> {
    if (!this.isRunning) return;
    this.kill('SIGKILL');
    await this.exited;
  }
}

/** Starts several children at once; if one fails, kills the others. */
export async function startAll(starts: Array<() => Promise<BenchChild>>): Promise<BenchChild[]> {
  const settled = await Promise.allSettled(starts.map((start) => start()));
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    for (const s of settled) if (s.status === 'fulfilled') await s.value.stop();
    throw failed.reason;
  }
  return settled.map((s) => (s as PromiseFulfilledResult<BenchChild>).value);
}
