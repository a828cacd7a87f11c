import { Injectable } from '@nestjs/common';
import type { BalancedClientStats } from '@orion/discovery';
import type { ClientStatsTelemetry } from '../shared/client-stats.publisher';
import { TELEMETRY_INTERVAL_MS } from '../shared/mesh.constants';

/** The balancer view each service instance last published (`mesh.telemetry`), dropped when stale. */
@Injectable()
export class ClientTelemetryStore {
  private readonly latest = new Map<string, { at: number; clients: BalancedClientStats[] }>();

  accept(telemetry: ClientStatsTelemetry): void {
    if (typeof telemetry?.instanceId !== 'string' || !Array.isArray(telemetry.clients)) return;
    this.latest.set(telemetry.instanceId, { at: Date.now(), clients: telemetry.clients });
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
}
