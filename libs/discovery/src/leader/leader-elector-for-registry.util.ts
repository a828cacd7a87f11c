import type { ServiceRegistry } from '../registry/service-registry.interface';
import { MemoryLeaderElector } from './adapters/memory-leader-elector';
import { MemoryLeaderStore } from './adapters/memory-leader.store';
import { createLeaderElector } from './create-leader-elector.util';
import type { LeaderElector } from './leader-elector.interface';

/** The elector that matches a registry: same URL backend; in-process for a given registry object. */
export function createLeaderElectorFor(registry: string | ServiceRegistry): LeaderElector {
  if (typeof registry === 'string') return createLeaderElector(registry);
  return new MemoryLeaderElector({ store: new MemoryLeaderStore() });
}
