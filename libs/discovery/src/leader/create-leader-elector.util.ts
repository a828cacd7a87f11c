import { resolve } from 'node:path';
import { InvalidRegistryUrlError } from '../errors/invalid-registry-url.error';
import { UnsupportedRegistryError } from '../errors/unsupported-registry.error';
import type { RegistryScheme } from '../registry/create-registry.util';
import { parseBackendUrl } from '../utils/parse-backend-url.util';
import { EtcdLeaderElector } from './adapters/etcd-leader-elector';
import type { EtcdLeaderElectorOptions } from './adapters/etcd-leader-elector.options';
import { FileLeaderElector } from './adapters/file-leader-elector';
import type { FileLeaderElectorOptions } from './adapters/file-leader-elector.options';
import { MemoryLeaderElector } from './adapters/memory-leader-elector';
import { MemoryLeaderStore, type MemoryLeaderStoreOptions } from './adapters/memory-leader.store';
import { RedisLeaderElector } from './adapters/redis-leader-elector';
import type { RedisLeaderElectorOptions } from './adapters/redis-leader-elector.options';
import type { LeaderElector } from './leader-elector.interface';

/**
 * Per-backend options of `createLeaderElector()`; the URL supplies the rest.
 *
 * @publicApi
 */
export interface CreateLeaderElectorOptions {
  /** For `memory://`: store options (a named store uses those of its first creation). */
  memory?: MemoryLeaderStoreOptions;
  /** For `memory://`: see `MemoryLeaderElectorOptions.safetyMarginMs`. */
  safetyMarginMs?: number;
  /** For `file://`: everything but the directory, which comes from the URL. */
  file?: Omit<FileLeaderElectorOptions, 'directory'>;
  /** For `redis://` and `rediss://`: everything but the URL. */
  redis?: Omit<RedisLeaderElectorOptions, 'url'>;
  /** For `etcd://`: everything but the URL. */
  etcd?: Omit<EtcdLeaderElectorOptions, 'url'>;
}

type LeaderElectorFactory = (target: string, url: string, options: CreateLeaderElectorOptions) => LeaderElector;

/** Named `memory://<name>` leader stores of this process. */
const namedMemoryStores = new Map<string, MemoryLeaderStore>();

/** One factory per scheme, as for registries; `null` marks a backend not available yet. */
const LEADER_ELECTOR_FACTORIES = {
  memory: (target, _url, options) => {
    const name = target.replace(/\/+$/, '');
    let store = name === '' ? new MemoryLeaderStore(options.memory) : namedMemoryStores.get(name);
    if (!store) namedMemoryStores.set(name, (store = new MemoryLeaderStore(options.memory)));
    return new MemoryLeaderElector({ store, safetyMarginMs: options.safetyMarginMs });
  },
  file: (target, url, options) => {
    if (target === '') throw new InvalidRegistryUrlError(url, LEADER_SCHEMES, 'file:// needs a directory');
    return new FileLeaderElector({ ...options.file, directory: resolve(target) });
  },
  redis: (_target, url, options) => new RedisLeaderElector({ ...options.redis, url }),
  rediss: (_target, url, options) => new RedisLeaderElector({ ...options.redis, url }),
  etcd: (_target, url, options) => new EtcdLeaderElector({ ...options.etcd, url }),
} as const satisfies Record<RegistryScheme, LeaderElectorFactory | null>;

const LEADER_SCHEMES = Object.keys(LEADER_ELECTOR_FACTORIES) as RegistryScheme[];
const AVAILABLE_SCHEMES = LEADER_SCHEMES.filter((scheme) => LEADER_ELECTOR_FACTORIES[scheme] !== null);

/**
 * Builds the leader elector for the same URLs as `createRegistry()`: `memory://` (private
 * store), `memory://<name>` (process-wide named store), `file://<dir>` (lease files under
 * `<dir>/leaders`, so one directory serves registry and elections), `redis://` /
 * `rediss://` (lease keys with fencing counters, same server and prefix as the registry)
 * and `etcd://` (lease-bound keys, the fencing token being their create revision).
 *
 * @throws InvalidRegistryUrlError for an unparsable URL or unknown scheme (lists the valid ones).
 * @throws UnsupportedRegistryError for a known backend without an adapter yet.
 * @publicApi
 */
export function createLeaderElector(url: string, options: CreateLeaderElectorOptions = {}): LeaderElector {
  const { scheme, target } = parseBackendUrl(url, LEADER_SCHEMES);
  const factory: LeaderElectorFactory | null = LEADER_ELECTOR_FACTORIES[scheme as RegistryScheme];
  if (!factory) throw new UnsupportedRegistryError(scheme, AVAILABLE_SCHEMES);
  return factory(target, url, options);
}
