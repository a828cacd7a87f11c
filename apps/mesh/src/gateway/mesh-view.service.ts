import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import {
  AutoscaleAdvisor,
  InjectBalancedClient,
  InstanceRegistrar,
  type BalancedClientProxy,
  type BalancedClientStats,
  type InstanceLoad,
  type InstanceStatus,
} from '@orion/discovery';
import { debounceTime, map, merge, share, timer, type Observable } from 'rxjs';
import { METADATA_PID, METADATA_RESTARTS } from '../shared/mesh.constants';
import { MESH_ENV, withoutCredentials, type MeshEnv } from '../shared/mesh-env';
import { ClientTelemetryStore, type TelemetryStats } from './client-telemetry.store';
import { DemoTrafficService, type TrafficStats } from './demo-traffic.service';
import { MeshEventLog, type MeshEvent } from './mesh-event.log';
import { MeshRegistryWatcher } from './mesh-registry.watcher';
import { toScaleAdvice, type ScaleAdvice } from './scale-advice';

export interface InstanceView {
  id: string;
  service: string;
  status: InstanceStatus;
  zone: string | null;
  weight: number;
  version: string;
  pid: number | null;
  /** Restarts by the launcher after crashes (0 for a process never restarted). */
  restarts: number;
  endpoints: Array<{ protocol: string; address: string }>;
  load: InstanceLoad | null;
  leads: string[];
}

/** Everything the dashboard shows; also `GET /api/mesh`. */
export interface MeshSnapshot {
  at: number;
  gateway: string;
  registry: string;
  broker: string;
  strategy: string;
  services: Array<{ name: string; instances: InstanceView[]; advice: ScaleAdvice }>;
  leaders: Array<{ group: string; leaderId: string | null; fencingToken: number | null }>;
  balancers: Array<{ owner: string; stats: BalancedClientStats }>;
  /** `mesh.telemetry` messages taken and refused (by reason) since the gateway started. */
  telemetry: TelemetryStats;
  events: MeshEvent[];
  traffic: TrafficStats;
}

const PUSH_EVERY_MS = 1000;

/** Builds the dashboard's snapshot and pushes it every second and on every mesh change. */
@Injectable()
export class MeshViewService implements OnApplicationBootstrap {
  readonly snapshot$: Observable<MeshSnapshot>;

  constructor(
    private readonly watcher: MeshRegistryWatcher,
    private readonly log: MeshEventLog,
    private readonly telemetry: ClientTelemetryStore,
    private readonly traffic: DemoTrafficService,
    private readonly registrar: InstanceRegistrar,
    private readonly advisor: AutoscaleAdvisor,
    @InjectBalancedClient('orders') private readonly orders: BalancedClientProxy,
    @InjectBalancedClient('inventory') private readonly inventory: BalancedClientProxy,
    @Inject(MESH_ENV) private readonly env: MeshEnv,
  ) {
    const changes = merge(watcher.changes$, log.added$, advisor.changes$).pipe(debounceTime(50));
    this.snapshot$ = merge(timer(0, PUSH_EVERY_MS), changes).pipe(
      map(() => this.snapshot()),
      share(),
    );
  }

  /** The dashboard shows the bridge's inventory client from the start, not after its first call. */
  async onApplicationBootstrap(): Promise<void> {
    await this.inventory.connect();
  }

  snapshot(): MeshSnapshot {
    const leaders = this.watcher.leaderGroups();
    const advice = this.advisor.current();
    const services = this.watcher.services().map(({ name, instances }) => ({
      name,
      instances: instances.map((i) => ({
        id: i.id,
        service: i.service,
        status: i.status,
        zone: i.zone ?? null,
        weight: i.weight,
        version: i.version,
        pid: Number(i.metadata[METADATA_PID]) || null,
        restarts: Number(i.metadata[METADATA_RESTARTS]) || 0,
        endpoints: i.endpoints.map((e) => ({ protocol: e.protocol, address: e.url ?? `${e.host}:${e.port}` })),
        load: i.load ?? null,
        leads: leaders.filter((l) => l.leaderId === i.id).map((l) => l.group),
      })),
      advice: toScaleAdvice(
        name,
        instances.length,
        this.advisor.target,
        advice.find((a) => a.service === name),
      ),
    }));
    return {
      at: Date.now(),
      gateway: this.registrar.instanceId,
      registry: withoutCredentials(this.env.registryUrl),
      broker: withoutCredentials(this.env.mqttUrl),
      strategy: this.env.strategy,
      services,
      leaders,
      // Telemetry of an instance that left the registry is dropped with it.
      balancers: [
        { owner: this.registrar.instanceId, stats: this.orders.stats() },
        { owner: this.registrar.instanceId, stats: this.inventory.stats() },
        ...this.telemetry.list().filter((b) => services.some((s) => s.instances.some((i) => i.id === b.owner))),
      ],
      telemetry: this.telemetry.stats(),
      events: this.log.list(),
      traffic: this.traffic.stats(),
    };
  }
}
