export type { CampaignOptions, LeaderElector, LeaderInfo, LeadershipLease, LeadershipState } from './leader-elector.interface';
export { createLeaderElector, type CreateLeaderElectorOptions } from './create-leader-elector.util';
export { MemoryLeaderElector } from './adapters/memory-leader-elector';
export type { MemoryLeaderElectorOptions } from './adapters/memory-leader-elector.options';
export { MemoryLeaderStore, type MemoryLeaderStoreOptions } from './adapters/memory-leader.store';
export { FileLeaderElector } from './adapters/file-leader-elector';
export { FILE_LEADER_DEFAULT_POLL_INTERVAL_MS, type FileLeaderElectorOptions } from './adapters/file-leader-elector.options';
