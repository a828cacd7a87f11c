import { rmSync } from 'node:fs';
import Redis from 'ioredis';
import { freePort, managedServer, type ManagedServer } from './servers';

/** A redis-server the test owns, without persistence: a restart comes back empty. */
export interface RedisTestServer extends ManagedServer {
  /** Deletes the server's working directory (after `stop()`). */
  remove(): void;
}

/** PEM files for a TLS-only server (`--tls-port`, the plain port disabled). */
export interface RedisTlsFiles {
  certFile: string;
  keyFile: string;
  caFile: string;
}

/**
 * Starts `redis-server` on a free loopback port (never 6379), with no RDB/AOF persistence.
 * `extraArgs` are more `--option value` pairs (e.g. `--requirepass`); with `tls`, the port
 * speaks TLS only (`rediss://`).
 */
export async function startRedis(binary: string, extraArgs: string[] = [], tls?: RedisTlsFiles): Promise<RedisTestServer> {
  const port = await freePort();
  const listen = (p: number): string[] =>
    tls ? ['--port', '0', '--tls-port', String(p), '--tls-cert-file', tls.certFile, '--tls-key-file', tls.keyFile] : ['--port', String(p)];
  const server = managedServer({
    binary,
    port,
    scheme: tls ? 'rediss' : 'redis',
    args: (p, dir) => [
      ...listen(p),
      ...(tls ? ['--tls-ca-cert-file', tls.caFile, '--tls-auth-clients', 'no'] : []),
      ...['--bind', '127.0.0.1', '--protected-mode', 'no', '--dir', dir],
      ...['--save', '', '--appendonly', 'no', '--loglevel', 'warning'],
      ...extraArgs,
    ],
  });
  await server.start();
  return { ...server, remove: () => rmSync(server.dir, { recursive: true, force: true }) };
}

/** A plain client on the test server (for assertions on keys and for cleanup). */
export function redisAdmin(server: Pick<ManagedServer, 'port'>, password?: string): Redis {
  const client = new Redis({ host: '127.0.0.1', port: server.port, password, lazyConnect: true, maxRetriesPerRequest: 1 });
  client.on('error', () => undefined);
  return client;
}

/** Deletes every key under `<prefix>:`. */
export async function deleteRedisKeys(admin: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await admin.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    if (keys.length > 0) await admin.del(...keys);
    cursor = next;
  } while (cursor !== '0');
}
