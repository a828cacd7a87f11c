import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ReadyReport } from '../shared/start-mesh-app.util';
import type { ServiceRole } from '../shared/mesh.constants';

/** Grace a child gets to drain after SIGTERM before it is killed. */
const STOP_TIMEOUT_MS = 15_000;

/**
 * One mesh process (gateway, or an instance of a service) run by the launcher: the same
 * `main.js` with `--role`, its own process group (so a terminal Ctrl-C reaches only the
 * launcher, which then stops children in order), stdout to its log file, stderr to the
 * console, readiness over IPC.
 */
export class MeshProcess {
  readonly name: string;
  /** When it was spawned (ms since the epoch): how long it ran decides the restart backoff. */
  readonly startedAt = Date.now();
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly ready: Promise<ReadyReport>;
  private readonly child: ChildProcess;
  private isStopping = false;

  constructor(
    readonly role: ServiceRole,
    readonly index: number,
    env: Record<string, string>,
    readonly logFile: string,
  ) {
    this.name = `${role}-${index}`;
    // NOTE: a temp directory per process: @orion/protocols writes its generated gRPC proto
    // to a content-addressed temp file without an atomic rename, so two instances of a
    // service starting at once could read each other's half-written file.
    const tmp = join(dirname(logFile), '..', 'tmp', this.name);
    mkdirSync(tmp, { recursive: true });
    const stdout = openSync(logFile, 'w');
    try {
      this.child = spawn(process.execPath, [...process.execArgv, process.argv[1], '--role', role], {
        env: { ...process.env, ...env, MESH_INDEX: String(index), MESH_LOG_FILE: logFile, TMPDIR: tmp },
        stdio: ['ignore', stdout, 'inherit', 'ipc'],
        detached: true,
      });
    } finally {
      closeSync(stdout);
    }
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
    this.ready = new Promise((resolve, reject) => {
      this.child.on('message', (message: ReadyReport) => message?.event === 'ready' && resolve(message));
      void this.exited.then(({ code, signal }) =>
        reject(new Error(`${this.name} exited (${signal ?? `code ${code}`}) before it was ready; see ${logFile}`)),
      );
    });
    // NOTE: the launcher may stop before a child reports ready; the rejection is handled there.
    this.ready.catch(() => undefined);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get isRunning(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** True once `stop()` or `kill()` was called: an exit is then expected. */
  get isExpectedToExit(): boolean {
    return this.isStopping;
  }

  /** SIGTERM (drain, deregister, exit), SIGKILL after the timeout; resolves on exit. */
  async stop(): Promise<void> {
    this.isStopping = true;
    if (!this.isRunning) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.kill(), STOP_TIMEOUT_MS);
    await this.exited;
    clearTimeout(timer);
  }

  kill(): void {
    this.isStopping = true;
    if (this.isRunning) this.child.kill('SIGKILL');
  }
}
