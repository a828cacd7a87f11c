// Test helper: runs the demo launcher as a child process, as `npm start` does, and reads
// what it prints. Used by test/demo-*.e2e-spec.ts and test/dashboard-*.e2e-spec.ts.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { MeshSnapshot } from '../src/gateway/mesh-view.service';

export const REPO_ROOT = join(__dirname, '../../..');
/** The compiled launcher `npm start` runs. */
export const COMPILED_MAIN = join(REPO_ROOT, 'dist/apps/mesh/apps/mesh/src/main.js');
const SOURCE_MAIN = join(REPO_ROOT, 'apps/mesh/src/main.ts');
const REGISTER_TS = join(REPO_ROOT, 'test/harness/register-ts.js');

/** `nest build mesh`, as `npm start`'s prestart does. */
export function buildMesh(): void {
  const nest = require.resolve('@nestjs/cli/bin/nest.js', { paths: [REPO_ROOT] });
  const result = spawnSync(process.execPath, [nest, 'build', 'mesh'], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 180_000 });
  if (result.status !== 0) throw new Error(`nest build mesh failed:\n${result.stdout}\n${result.stderr}`);
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export class LaunchedMesh {
  readonly lines: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private stderr = '';

  private constructor(
    readonly process: ChildProcess,
    readonly dir: string,
  ) {
    createInterface({ input: process.stdout! }).on('line', (line) => this.lines.push(line));
    process.stderr!.on('data', (chunk: Buffer) => (this.stderr = (this.stderr + chunk.toString()).slice(-20_000)));
    this.exited = new Promise((resolve) => process.once('exit', (code, signal) => resolve({ code, signal })));
  }

  /**
   * Starts the launcher (compiled, or from the TypeScript sources through swc) with its
   * state in a temp directory and the gateway on a free port; resolves once it printed
   * its banner.
   */
  static async start(args: string[], options: { isCompiled: boolean; timeoutMs?: number }): Promise<LaunchedMesh> {
    const dir = mkdtempSync(join(tmpdir(), 'orion-demo-'));
    const entry = options.isCompiled ? [COMPILED_MAIN] : ['-r', REGISTER_TS, SOURCE_MAIN];
    const child = spawn(process.execPath, [...entry, '--dir', dir, '--port', '0', ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, NO_COLOR: '1', LOG_FORMAT: 'tree', REGISTRY_URL: '', MQTT_URL: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const mesh = new LaunchedMesh(child, dir);
    const until = Date.now() + (options.timeoutMs ?? 60_000);
    while (!mesh.lines.some((l) => l.includes('Ctrl-C stops everything'))) {
      if (child.exitCode !== null || Date.now() > until) {
        child.kill('SIGKILL');
        throw new Error(`launcher did not come up (exit ${child.exitCode})\n${mesh.output}\n${mesh.stderr}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    return mesh;
  }

  get output(): string {
    return this.lines.join('\n');
  }

  get errorOutput(): string {
    return this.stderr;
  }

  get dashboardUrl(): string {
    return /Dashboard\s+(\S+)/.exec(this.output)![1];
  }

  get gatewayUrl(): string {
    return this.dashboardUrl.replace(/\/dashboard$/, '');
  }

  /** The "Try it" lines: label and the shell command exactly as printed. */
  get commands(): Array<{ label: string; command: string }> {
    return this.lines.flatMap((line) => {
      const match = /^ {2}(HTTP|WS|TCP|gRPC|UDP|MQTT) +(.+)$/.exec(line);
      return match ? [{ label: match[1], command: match[2] }] : [];
    });
  }

  /** Pid per process name (`orders-1`...), from the "ready" lines. */
  get readyPids(): Map<string, number> {
    const pids = new Map<string, number>();
    for (const line of this.lines) {
      const match = /\| mesh \| (\S+) +ready +pid (\d+)/.exec(line);
      if (match) pids.set(match[1], Number(match[2]));
    }
    return pids;
  }

  async snapshot(): Promise<MeshSnapshot> {
    return (await (await fetch(`${this.gatewayUrl}/api/mesh`)).json()) as MeshSnapshot;
  }

  /** Signals the launcher and waits for it to exit. */
  async stop(signal: NodeJS.Signals = 'SIGINT', timeoutMs = 30_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.process.exitCode === null && this.process.signalCode === null) this.process.kill(signal);
    const timer = setTimeout(() => this.process.kill('SIGKILL'), timeoutMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Last resort for afterAll: kills the launcher and every pid it reported, removes the temp dir. */
  async destroy(): Promise<void> {
    await this.stop('SIGINT');
    for (const pid of this.readyPids.values()) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Polls until `check` returns a truthy value. */
export async function waitUntil<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > until) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
