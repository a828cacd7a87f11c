import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const REGISTER = join(__dirname, 'register-ts.js');

/** A Nest app in a child process, speaking JSON lines on stdout. */
export class ChildApp {
  readonly events: Array<Record<string, unknown>> = [];
  private stderr = '';
  readonly exited: Promise<number | null>;

  private constructor(readonly process: ChildProcess) {
    createInterface({ input: process.stdout! }).on('line', (line) => {
      try {
        this.events.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        /* non-JSON output of the app: ignore */
      }
    });
    process.stderr!.on('data', (chunk: Buffer) => (this.stderr = (this.stderr + chunk.toString()).slice(-8000)));
    this.exited = new Promise((resolve) => process.once('exit', (code) => resolve(code)));
  }

  /** Starts `script` (a .ts file under test/) with extra env and waits for its ready event. */
  static async start(script: string, env: Record<string, string>, timeoutMs = 40_000, prefix: string[] = []): Promise<ChildApp> {
    // `prefix` runs the app through another program, e.g. `ip netns exec <ns>` (which execs, keeping the pid).
    const [command, ...args] = [...prefix, process.execPath, '-r', REGISTER, script];
    const child = spawn(command, args, {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const app = new ChildApp(child);
    try {
      await app.waitFor((e) => e.event === 'ready', timeoutMs);
    } catch (error) {
      // Never leave an orphan behind when a child fails to start in time.
      app.kill('SIGKILL');
      throw error;
    }
    return app;
  }

  get ready(): Record<string, unknown> & { instanceId: string; addresses: Record<string, { url?: string; port: number; host: string }> } {
    return this.events.find((e) => e.event === 'ready') as never;
  }

  async waitFor(predicate: (event: Record<string, unknown>) => boolean, timeoutMs = 10_000): Promise<Record<string, unknown>> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.find(predicate);
      if (found) return found;
      const error = this.events.find((e) => e.event === 'error');
      if (error) throw new Error(`child failed: ${String(error.message)}\n${this.stderr}`);
      if (this.process.exitCode !== null) throw new Error(`child exited with ${this.process.exitCode}\n${this.stderr}`);
      if (Date.now() > until) throw new Error(`timed out waiting for child event\n${this.stderr}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  get isRunning(): boolean {
    return this.process.exitCode === null && this.process.signalCode === null;
  }

  kill(signal: NodeJS.Signals): void {
    if (this.isRunning) this.process.kill(signal);
  }

  get errorOutput(): string {
    return this.stderr;
  }
}

/** Polls until `check` returns a truthy value or the time runs out. */
export async function eventually<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > until) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
