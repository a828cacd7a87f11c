export type { EndpointProtocol, InstanceLoad, InstanceStatus, ServiceEndpoint, ServiceInstance } from './service-instance.interface';
export type { HeartbeatPatch, RegisterOptions, ServiceRegistration, ServiceRegistry } from './service-registry.interface';
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
  FILE_REGISTRY_DEFAULT_POLL_INTERVAL_MS,
  FILE_REGISTRY_DEFAULT_SWEEP_GRACE_MS,
  FILE_REGISTRY_DEFAULT_SWEEP_INTERVAL_MS,
  type FileRegistryOptions,
} from './adapters/file-registry.options';
