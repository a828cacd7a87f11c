import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { LEADER_ELECTION_REF, LEADER_ONLY_METADATA } from './leader.constants';
import { LeaderElection } from './leader-election.service';

/**
 * Finds `@LeaderOnly` methods, hands their instances the election, and campaigns for
 * every group they name.
 * @internal
 */
@Injectable()
export class LeaderOnlyExplorer implements OnApplicationBootstrap {
  private readonly logger = new Logger('LeaderElection');

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly election: LeaderElection,
  ) {}

  onApplicationBootstrap(): void {
    const groups = new Set<string>();
    for (const wrapper of [...this.discovery.getProviders(), ...this.discovery.getControllers()]) {
      const instance = wrapper.instance as Record<string | symbol, unknown> | undefined;
      if (!instance || typeof instance !== 'object' || !wrapper.isDependencyTreeStatic()) continue;
      const prototype = Object.getPrototypeOf(instance) as Record<string, Function> | null;
      if (!prototype) continue;
      for (const name of this.scanner.getAllMethodNames(prototype)) {
        const group = Reflect.getMetadata(LEADER_ONLY_METADATA, prototype[name]) as string | undefined;
        if (group === undefined) continue;
        instance[LEADER_ELECTION_REF] = this.election;
        groups.add(group);
      }
    }
    for (const group of groups) {
      this.election.campaign(group).catch((error: unknown) => this.logger.warn(`campaign '${group}' failed: ${String(error)}`));
    }
  }
}
