import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import {
  createLeaderElector,
  InjectRegistry,
  type LeaderElector,
  type LeadershipState,
  type ServiceInstance,
  type ServiceRegistry,
} from '@orion/discovery';
import { Subject, type Subscription } from 'rxjs';
import { METADATA_LEADER_GROUPS } from '../shared/mesh.constants';
import { MESH_ENV, type MeshEnv } from '../shared/mesh-env';
import { MeshEventLog } from './mesh-event.log';

/** Services watched from the start; others are found by polling `registry.services()`. */
const KNOWN_SERVICES = ['gateway', 'orders', 'inventory'];
const DISCOVER_EVERY_MS = 2000;
const REWATCH_AFTER_MS = 1000;

/**
 * The gateway's live view of the mesh: `registry.watch()` per service (pushed snapshots)
 * and `LeaderElector.watch()` per leader group that instances announce in their
 * `leaderGroups` metadata. Emits `changes$` on every change and logs joins, leaves,
 * status and leader changes to the event log.
 */
@Injectable()
export class MeshRegistryWatcher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('MeshRegistryWatcher');
  private readonly instances = new Map<string, ServiceInstance[]>();
  private readonly leaders = new Map<string, LeadershipState>();
  private readonly subscriptions = new Map<string, Subscription>();
  private readonly elector: LeaderElector;
  private discoverTimer?: NodeJS.Timeout;
  private isClosed = false;
  readonly changes$ = new Subject<void>();

  constructor(
    @InjectRegistry() private readonly registry: ServiceRegistry,
    @Inject(MESH_ENV) env: MeshEnv,
    private readonly log: MeshEventLog,
  ) {
    this.elector = createLeaderElector(env.registryUrl);
  }

  onApplicationBootstrap(): void {
    for (const service of KNOWN_SERVICES) this.watchService(service);
    this.discoverTimer = setInterval(() => void this.discover(), DISCOVER_EVERY_MS);
    this.discoverTimer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.isClosed = true;
    clearInterval(this.discoverTimer);
    for (const subscription of this.subscriptions.values()) subscription.unsubscribe();
    await this.elector.close();
  }

  /** Instances per service, services sorted by name. */
  services(): Array<{ name: string; instances: ServiceInstance[] }> {
    return [...this.instances].sort(([a], [b]) => a.localeCompare(b)).map(([name, instances]) => ({ name, instances }));
  }

  /** Current leader per group. */
  leaderGroups(): Array<{ group: string; leaderId: string | null; fencingToken: number | null }> {
    return [...this.leaders]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([group, state]) => ({ group, leaderId: state?.leaderId ?? null, fencingToken: state?.fencingToken ?? null }));
  }

  private async discover(): Promise<void> {
    try {
      for (const service of await this.registry.services()) this.watchService(service);
    } catch (error) {
      this.logger.warn(`registry.services() failed: ${(error as Error).message}`);
    }
  }

  private watchService(service: string): void {
    const key = `service:${service}`;
    if (this.subscriptions.has(key) || this.isClosed) return;
    if (!this.instances.has(service)) this.instances.set(service, []);
    const subscription = this.registry.watch(service).subscribe({
      next: (instances) => this.onInstances(service, instances),
      error: (error: unknown) => this.retry(key, () => this.watchService(service), error),
    });
    this.subscriptions.set(key, subscription);
  }

  private watchLeader(group: string): void {
    const key = `leader:${group}`;
    if (this.subscriptions.has(key) || this.isClosed) return;
    const subscription = this.elector.watch(group).subscribe({
      next: (state) => {
        const previous = this.leaders.get(group);
        this.leaders.set(group, state);
        if (previous?.leaderId !== state?.leaderId) this.log.add('leader', `${group}: ${state ? `${state.leaderId} leads` : 'no leader'}`);
        this.changes$.next();
      },
      error: (error: unknown) => this.retry(key, () => this.watchLeader(group), error),
    });
    this.subscriptions.set(key, subscription);
  }

  private onInstances(service: string, instances: ServiceInstance[]): void {
    const before = new Map((this.instances.get(service) ?? []).map((i) => [i.id, i]));
    for (const instance of instances) {
      const old = before.get(instance.id);
      if (!old) this.log.add('joined', `${instance.id} joined ${service}`);
      else if (old.status !== instance.status) this.log.add('status', `${instance.id} is ${instance.status}`);
      before.delete(instance.id);
      for (const group of (instance.metadata[METADATA_LEADER_GROUPS] ?? '').split(',').filter(Boolean)) this.watchLeader(group);
    }
    for (const gone of before.keys()) this.log.add('left', `${gone} left ${service}`);
    this.instances.set(service, instances);
    this.changes$.next();
  }

  private retry(key: string, again: () => void, error: unknown): void {
    this.logger.warn(`${key} watch failed, retrying: ${(error as Error).message ?? String(error)}`);
    this.subscriptions.delete(key);
    setTimeout(again, REWATCH_AFTER_MS).unref();
  }
}
