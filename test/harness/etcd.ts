import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { get } from 'node:https';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, managedServer, type ManagedServer } from './servers';

/** A single-node etcd the test owns. `stop()` + `start()` keeps its data; `wipe()` in between empties it. */
export interface EtcdTestServer extends ManagedServer {
  /** Deletes the data directory (call between `stop()` and `start()` for a fresh, empty cluster). */
  wipe(): void;
  /** Deletes every directory of the server (after `stop()`). */
  remove(): void;
}

/** PEM files for a client port that speaks TLS only. */
export interface EtcdTlsFiles {
  certFile: string;
  keyFile: string;
}

async function health(port: number, isTls: boolean): Promise<string | undefined> {
  if (!isTls) return ((await (await fetch(`http://127.0.0.1:${port}/health`)).json()) as { health?: string }).health;
  return new Promise((resolve, reject) => {
    get(`https://127.0.0.1:${port}/health`, { rejectUnauthorized: false }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve((JSON.parse(body) as { health?: string }).health));
    }).on('error', reject);
  });
}

async function waitHealthy(port: number, timeoutMs: number, isTls: boolean): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      if ((await health(port, isTls)) === 'true') return;
    } catch {
      // not ready yet
    }
    if (Date.now() > until) throw new Error(`etcd on ${port} not healthy within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Starts etcd on free loopback ports (client and peer; never 2379), with fast raft timing
 * (10 ms heartbeat, 100 ms election: leases of 1 s are allowed) and its data on tmpfs when
 * available. Resolves once `/health` reports a leader. With `tls`, clients must use TLS.
 */
export async function startEtcd(binary: string, extraArgs: string[] = [], tls?: EtcdTlsFiles): Promise<EtcdTestServer> {
  const [port, peerPort] = [await freePort(), await freePort()];
  const dataRoot = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'orion-etcd-'));
  const dataDir = join(dataRoot, 'data');
  const peer = `http://127.0.0.1:${peerPort}`;
  const server = managedServer({
    binary,
    port,
    scheme: 'etcd',
    args: (p) => [
      ...['--name', 'orion-test', '--data-dir', dataDir, '--logger', 'zap', '--log-level', 'error'],
      ...['--listen-client-urls', `${tls ? 'https' : 'http'}://127.0.0.1:${p}`],
      ...['--advertise-client-urls', `${tls ? 'https' : 'http'}://127.0.0.1:${p}`],
      ...(tls ? ['--cert-file', tls.certFile, '--key-file', tls.keyFile] : []),
      ...['--listen-peer-urls', peer, '--initial-advertise-peer-urls', peer, '--initial-cluster', `orion-test=${peer}`],
      ...['--heartbeat-interval', '10', '--election-timeout', '100'],
      ...extraArgs,
    ],
  });
  const start = async (): Promise<void> => {
    await server.start();
    await waitHealthy(port, 10_000, tls !== undefined);
  };
  await start();
  return {
    ...server,
    start,
    wipe: () => rmSync(dataDir, { recursive: true, force: true }),
    remove: () => {
      rmSync(dataRoot, { recursive: true, force: true });
      rmSync(server.dir, { recursive: true, force: true });
    },
  };
}

/**
 * A TCP proxy on a free loopback port to `targetPort`, to cut clients off a server that
 * keeps running. It also counts connection attempts, to check reconnection backoff.
 */
export interface TcpProxy {
  port: number;
  /** Connections accepted so far. */
  readonly connections: number;
  /** Destroys every open connection and refuses new ones (the port closes). */
  cut(): Promise<void>;
  /** Listens again on the same port. With `isBlackhole`, accepts and drops connections instead of forwarding. */
  restore(options?: { isBlackhole?: boolean }): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  const port = await freePort();
  const sockets = new Set<Socket>();
  let connections = 0;
  let isBlackhole = false;
  let server: Server | undefined;
  const listen = async (): Promise<void> => {
    server = createServer((client) => {
      connections++;
      sockets.add(client);
      client.on('close', () => sockets.delete(client));
      client.on('error', () => undefined);
      if (isBlackhole) return void client.destroy();
      const upstream = require('node:net').connect(targetPort, '127.0.0.1') as Socket;
      sockets.add(upstream);
      upstream.on('close', () => (sockets.delete(upstream), client.destroy()));
      upstream.on('error', () => undefined);
      client.on('close', () => upstream.destroy());
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => server!.listen(port, '127.0.0.1', resolve));
  };
  const stop = async (): Promise<void> => {
    const closing = server;
    server = undefined;
    for (const socket of sockets) socket.destroy();
    if (closing) await new Promise((resolve) => closing.close(resolve));
  };
  await listen();
  return {
    port,
    get connections() {
      return connections;
    },
    cut: stop,
    restore: async (options = {}) => {
      isBlackhole = options.isBlackhole ?? false;
      if (!server) await listen();
    },
    close: stop,
  };
}
