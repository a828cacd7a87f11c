import { Injectable, Logger } from '@nestjs/common';
import type { BalancedClientStats } from '@orion/discovery';
import { TELEMETRY_INTERVAL_MS } from '../shared/mesh.constants';
import { MeshRegistryWatcher } from './mesh-registry.watcher';
import { parseTelemetry, telemetryInstanceId, type TelemetryRefusal } from './telemetry-schema';

/** Least time between two messages taken from one instance (it publishes every 2 s). */
const MIN_INTERVAL_MS = TELEMETRY_INTERVAL_MS / 4;
/** One log line per refusal reason at most this often (a flood must not flood the log). */
const LOG_EVERY_MS = 30_000;

export type TelemetryDropReason = TelemetryRefusal | 'unknown-instance' | 'rate-limited';

/** What the store took and refused since the gateway started (`GET /api/mesh`, `telemetry`). */
export interface TelemetryStats {
  accepted: number;
  dropped: Partial<Record<TelemetryDropReason, number>>;
}

/**
 * The balancer view each service instance last published (`mesh.telemetry`), dropped when
 * stale. What it takes is bounded whoever publishes: only from instance ids in the
 * registry (so at most one entry per live instance), at most one message per instance per
 * 500 ms, at most 64 KB each, rebuilt to the dashboard's shape (see `parseTelemetry`).
 * On the in-process broker only mesh processes may publish it at all (broker ACL).
 */
@Injectable()
export class ClientTelemetryStore {
  private readonly logger = new Logger('ClientTelemetry');
  private readonly latest = new Map<string, { at: number; clients: BalancedClientStats[] }>();
  private readonly counters: TelemetryStats = { accepted: 0, dropped: {} };
  private readonly loggedAt = new Map<TelemetryDropReason, number>();

  constructor(private readonly watcher: MeshRegistryWatcher) {}

  accept(raw: unknown): void {
    const now = Date.now();
    const id = telemetryInstanceId(raw);
    if (id !== undefined && !this.isRegistered(id)) return this.drop('unknown-instance', id);
    const previous = id === undefined ? undefined : this.latest.get(id);
    if (previous && now - previous.at < MIN_INTERVAL_MS) return this.drop('rate-limited', id);
    const telemetry = parseTelemetry(raw);
    if (typeof telemetry === 'string') return this.drop(telemetry, id);
    this.latest.set(telemetry.instanceId, { at: now, clients: telemetry.clients });
    this.counters.accepted++;
  }

  stats(): TelemetryStats {
    return { accepted: this.counters.accepted, dropped: { ...this.counters.dropped } };
  }

  /** `{ owner, stats }` per client of every instance heard from recently. */
  list(): Array<{ owner: string; stats: BalancedClientStats }> {
    const freshAfter = Date.now() - 3 * TELEMETRY_INTERVAL_MS;
    const result: Array<{ owner: string; stats: BalancedClientStats }> = [];
    for (const [owner, { at, clients }] of [...this.latest].sort(([a], [b]) => a.localeCompare(b))) {
      if (at < freshAfter) this.latest.delete(owner);
      else for (const stats of clients) result.push({ owner, stats });
    }
    return result;
  }

  private isRegistered(id: string): boolean {
    return this.watcher.services().some((service) => service.instances.some((instance) => instance.id === id));
  }

  private drop(reason: TelemetryDropReason, id: string | undefined): void {
    this.counters.dropped[reason] = (this.counters.dropped[reason] ?? 0) + 1;
    const now = Date.now();
    if (now - (this.loggedAt.get(reason) ?? -Infinity) < LOG_EVERY_MS) return;
    this.loggedAt.set(reason, now);
    // JSON.stringify: an id from the wire may hold control characters.
    this.logger.warn(`dropped mesh.telemetry (${reason}) from ${JSON.stringify(id ?? null)}; ${this.counters.dropped[reason]} so far`);
  }
}
