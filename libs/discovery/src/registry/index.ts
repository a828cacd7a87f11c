export type { EndpointProtocol, InstanceLoad, InstanceStatus, ServiceEndpoint, ServiceInstance } from './service-instance.interface';
export type {
  HeartbeatPatch,
  RegisterOptions,
  ServiceRegistration,
  ServiceRegistry,
  ServiceRegistryStats,
} from './service-registry.interface';
export { createRegistry, type CreateRegistryOptions, type RegistryScheme } from './create-registry.util';
export { MemoryRegistryAdapter } from './adapters/memory-registry.adapter';
export { MemoryRegistryStore, type MemoryRegistryEntry, type MemoryRegistrySnapshot } from './adapters/memory-registry.store';
export {
  MEMORY_REGISTRY_DEFAULT_MIN_SWEEP_INTERVAL_MS,
  type MemoryRegistryOptions,
  type MemoryRegistryStoreOptions,
} from './adapters/memory-registry.options';
export { FileRegistryAdapter } from './adapters/file-registry.adapter';
export {
  FILE_REGISTRY_DEFAULT_MAX_ENTRY_BYTES,
  FILE_REGISTRY_DEFAULT_POLL_INTERVAL_MS,
  FILE_REGISTRY_DEFAULT_SWEEP_GRACE_MS,
  FILE_REGISTRY_DEFAULT_SWEEP_INTERVAL_MS,
  type FileRegistryOptions,
} from './adapters/file-registry.options';
export { RedisRegistryAdapter } from './adapters/redis-registry.adapter';
export { REDIS_REGISTRY_DEFAULT_RELIST_INTERVAL_MS, type RedisRegistryOptions } from './adapters/redis-registry.options';
export { REDIS_DEFAULT_PREFIX, REDIS_DEFAULT_REQUEST_TIMEOUT_MS, type RedisConnectionOptions } from './adapters/redis-connection.options';
export { RedisUnavailableError } from './adapters/redis-unavailable.error';
export { RedisDriverMissingError } from './adapters/redis-driver-missing.error';
export { EtcdRegistryAdapter } from './adapters/etcd-registry.adapter';
export type { EtcdRegistryOptions } from './adapters/etcd-registry.options';
export { ETCD_DEFAULT_PREFIX, ETCD_DEFAULT_REQUEST_TIMEOUT_MS, type EtcdConnectionOptions } from './adapters/etcd-connection.options';
export { EtcdUnavailableError } from './adapters/etcd-unavailable.error';
export { EtcdDriverMissingError } from './adapters/etcd-driver-missing.error';
