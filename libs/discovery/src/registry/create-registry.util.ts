import { resolve } from 'node:path';
import { InvalidRegistryUrlError } from '../errors/invalid-registry-url.error';
import { UnsupportedRegistryError } from '../errors/unsupported-registry.error';
import { parseBackendUrl } from '../utils/parse-backend-url.util';
import { EtcdRegistryAdapter } from './adapters/etcd-registry.adapter';
import type { EtcdRegistryOptions } from './adapters/etcd-registry.options';
import { FileRegistryAdapter } from './adapters/file-registry.adapter';
import type { FileRegistryOptions } from './adapters/file-registry.options';
import { MemoryRegistryAdapter } from './adapters/memory-registry.adapter';
import type { MemoryRegistryStoreOptions } from './adapters/memory-registry.options';
import { MemoryRegistryStore } from './adapters/memory-registry.store';
import { RedisRegistryAdapter } from './adapters/redis-registry.adapter';
import type { RedisRegistryOptions } from './adapters/redis-registry.options';
import type { ServiceRegistry } from './service-registry.interface';

/**
 * URL schemes `createRegistry()` knows.
 *
 * @publicApi
 */
export type RegistryScheme = 'memory' | 'file' | 'redis' | 'rediss' | 'etcd';

/**
 * Per-backend options of `createRegistry()`; the URL supplies the rest.
 *
 * @publicApi
 */
export interface CreateRegistryOptions {
  /** For `memory://`: options of the store (a named store uses those of its first creation). */
  memory?: MemoryRegistryStoreOptions;
  /** For `file://`: everything but the directory, which comes from the URL. */
  file?: Omit<FileRegistryOptions, 'directory'>;
  /** For `redis://` and `rediss://`: everything but the URL (fields given here win over the URL's). */
  redis?: Omit<RedisRegistryOptions, 'url'>;
  /** For `etcd://`: everything but the URL (fields given here win over the URL's). */
  etcd?: Omit<EtcdRegistryOptions, 'url'>;
}

type RegistryFactory = (target: string, url: string, options: CreateRegistryOptions) => ServiceRegistry;

/** Named `memory://<name>` stores of this process. */
const namedMemoryStores = new Map<string, MemoryRegistryStore>();

/**
 * One factory per scheme. `null` is the slot of a known backend whose adapter is not
 * available yet: fill it in (e.g. `redis: (target, url, o) => new RedisRegistryAdapter(...)`)
 * and `createRegistry` picks it up.
 */
const REGISTRY_FACTORIES = {
  memory: (target, _url, options) => {
    const name = target.replace(/\/+$/, '');
    if (name === '') return new MemoryRegistryAdapter({ store: new MemoryRegistryStore(options.memory) });
    let store = namedMemoryStores.get(name);
    if (!store) namedMemoryStores.set(name, (store = new MemoryRegistryStore(options.memory)));
    return new MemoryRegistryAdapter({ store });
  },
  file: (target, url, options) => {
    if (target === '') throw new InvalidRegistryUrlError(url, REGISTRY_SCHEMES, 'file:// needs a directory');
    return new FileRegistryAdapter({ ...options.file, directory: resolve(target) });
  },
  redis: (_target, url, options) => new RedisRegistryAdapter({ ...options.redis, url }),
  rediss: (_target, url, options) => new RedisRegistryAdapter({ ...options.redis, url }),
  etcd: (_target, url, options) => new EtcdRegistryAdapter({ ...options.etcd, url }),
} as const satisfies Record<RegistryScheme, RegistryFactory | null>;

const REGISTRY_SCHEMES = Object.keys(REGISTRY_FACTORIES) as RegistryScheme[];
const AVAILABLE_SCHEMES = REGISTRY_SCHEMES.filter((scheme) => REGISTRY_FACTORIES[scheme] !== null);

/**
 * Builds the registry adapter a URL names:
 *
 * - `memory://`: a private in-process store (only this registry object sees it);
 * - `memory://<name>`: the process-wide store called `<name>`, shared by every registry
 *   created with that URL (several apps or owners in one process, e.g. in tests);
 * - `file:///absolute/dir` or `file://relative/dir` (resolved against the working
 *   directory): the file-backed registry shared by processes on this machine;
 * - `redis://[[user][:password]@]host[:port][/db][?prefix=<p>]` (`rediss://` for TLS): the
 *   Redis registry (needs the `ioredis` package);
 * - `etcd://[user:password@]host:port[,host:port...][?prefix=<p>&tls=true]`: the etcd
 *   registry (needs the `etcd3` package).
 *
 * Redis and etcd adapters connect on their first call, not here.
 *
 * @throws InvalidRegistryUrlError for an unparsable URL or unknown scheme (lists the valid ones).
 * @throws UnsupportedRegistryError for a known backend without an adapter yet.
 * @throws RedisDriverMissingError / EtcdDriverMissingError when the backend's package is not installed.
 * @publicApi
 */
export function createRegistry(url: string, options: CreateRegistryOptions = {}): ServiceRegistry {
  const { scheme, target } = parseBackendUrl(url, REGISTRY_SCHEMES);
  const factory: RegistryFactory | null = REGISTRY_FACTORIES[scheme as RegistryScheme];
  if (!factory) throw new UnsupportedRegistryError(scheme, AVAILABLE_SCHEMES);
  return factory(target, url, options);
}
