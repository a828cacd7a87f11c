import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A free loopback TCP port (the OS picks; never a shared default port). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Path of a server binary, or undefined. */
export function findBinary(name: string, extraDirs: string[] = ['/usr/sbin', '/usr/bin', '/usr/local/bin']): string | undefined {
  const which = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  if (which.status === 0 && which.stdout.trim()) return which.stdout.trim();
  for (const dir of extraDirs) {
    const candidate = join(dir, name);
    if (spawnSync('test', ['-x', candidate]).status === 0) return candidate;
  }
  return undefined;
}

/**
 * Whether a suite that needs `binary` can run. With CI=true a missing server fails the
 * run (CI must install it); elsewhere the suite is skipped with a printed reason.
 */
export function requireServerBinary(name: string): string | undefined {
  const path = findBinary(name);
  if (path) return path;
  const reason = `${name} is not installed (Debian package: see .ci/run)`;
  if (process.env.CI === 'true') throw new Error(`CI: ${reason}`);
  console.warn(`SKIPPING suite: ${reason}`);
  return undefined;
}

async function waitForPort(port: number, timeoutMs: number, child: ChildProcess): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with code ${child.exitCode} before listening`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = require('node:net').connect(port, '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`server did not listen on ${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A server process the test owns: stop and start it again to test outages. */
export interface ManagedServer {
  port: number;
  url: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  dir: string;
}

export function managedServer(opts: {
  binary: string;
  args: (port: number, dir: string) => string[];
  scheme: string;
  port: number;
  setup?: (dir: string, port: number) => void;
}): ManagedServer {
  const dir = mkdtempSync(join(tmpdir(), 'orion-srv-'));
  let child: ChildProcess | undefined;
  let stderr = '';
  opts.setup?.(dir, opts.port);
  const server: ManagedServer = {
    port: opts.port,
    url: `${opts.scheme}://127.0.0.1:${opts.port}`,
    dir,
    async start() {
      child = spawn(opts.binary, opts.args(opts.port, dir), { stdio: ['ignore', 'ignore', 'pipe'] });
      child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()).slice(-4000));
      try {
        await waitForPort(opts.port, 10_000, child);
      } catch (error) {
        throw new Error(`${opts.binary}: ${(error as Error).message}\n${stderr}`, { cause: error });
      }
    },
    async stop() {
      const running = child;
      child = undefined;
      if (!running || running.exitCode !== null) return;
      await new Promise<void>((resolve) => {
        running.once('exit', () => resolve());
        running.kill('SIGKILL');
      });
    },
  };
  const cleanup = () => child?.kill('SIGKILL');
  process.once('exit', cleanup);
  return {
    ...server,
    stop: async () => {
      await server.stop();
    },
    start: () => server.start(),
  };
}

/** Mosquitto on a free loopback port with a config that needs no pid/data dir. */
export async function startMosquitto(binary: string, extraConfig = ''): Promise<ManagedServer & { remove(): void }> {
  const port = await freePort();
  const srv = managedServer({
    binary,
    port,
    scheme: 'mqtt',
    setup: (dir) =>
      writeFileSync(
        join(dir, 'mosquitto.conf'),
        [`listener ${port} 127.0.0.1`, 'allow_anonymous true', 'persistence false', 'user root', extraConfig].join('\n') + '\n',
      ),
    args: (_port, dir) => ['-c', join(dir, 'mosquitto.conf')],
  });
  await srv.start();
  return { ...srv, remove: () => rmSync(srv.dir, { recursive: true, force: true }) };
}
