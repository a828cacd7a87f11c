import { DEFAULT_LEADER_GROUP, LEADER_ELECTION_REF, LEADER_ONLY_METADATA } from './leader.constants';

interface LeaderGate {
  isLeader(group: string): boolean;
}

/**
 * Runs the method only while this instance leads `group`; on followers the call is
 * **skipped**: it returns `undefined` without running. Works on any provider or
 * controller method (including scheduled jobs). The instance campaigns for the group at
 * startup. Needs `ServiceDiscoveryModule`.
 *
 * @publicApi
 */
export function LeaderOnly(group = DEFAULT_LEADER_GROUP): MethodDecorator {
  return (_target, _key, descriptor: PropertyDescriptor) => {
    const original = descriptor.value as (...args: unknown[]) => unknown;
    const gated = function (this: Record<symbol, LeaderGate | undefined>, ...args: unknown[]) {
      const election = this[LEADER_ELECTION_REF];
      if (!election)
        throw new Error(`@LeaderOnly('${group}'): ServiceDiscoveryModule is not imported, or this object is not a Nest provider`);
      return election.isLeader(group) ? original.apply(this, args) : undefined;
    };
    // Keep metadata set by decorators applied before this one (route, pattern, cron...).
    for (const key of Reflect.getMetadataKeys(original)) Reflect.defineMetadata(key, Reflect.getMetadata(key, original), gated);
    Object.defineProperty(gated, 'name', { value: original.name });
    Reflect.defineMetadata(LEADER_ONLY_METADATA, group, gated);
    descriptor.value = gated;
    return descriptor;
  };
}
