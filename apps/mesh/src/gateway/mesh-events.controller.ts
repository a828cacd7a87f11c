import { Controller } from '@nestjs/common';
import { EventEndpoint, Msg } from '@orion/protocols';
import { INVENTORY_LOW_EVENT, INVENTORY_RESTOCKED_EVENT, TELEMETRY_EVENT } from '../shared/mesh.constants';
import { ClientTelemetryStore } from './client-telemetry.store';
import { MeshEventLog } from './mesh-event.log';

/** Events the gateway subscribes to on the MQTT broker, shown on the dashboard. */
@Controller()
export class MeshEventsController {
  constructor(
    private readonly log: MeshEventLog,
    private readonly telemetry: ClientTelemetryStore,
  ) {}

  @EventEndpoint(INVENTORY_LOW_EVENT, { protocols: ['mqtt'] })
  inventoryLow(@Msg() event: { sku?: string; available?: number }) {
    this.log.add('inventory.low', `${String(event?.sku)}: ${String(event?.available)} left`);
  }

  @EventEndpoint(INVENTORY_RESTOCKED_EVENT, { protocols: ['mqtt'] })
  inventoryRestocked(@Msg() event: { sku?: string; available?: number; by?: string }) {
    this.log.add('inventory.restocked', `${String(event?.sku)} back to ${String(event?.available)} by ${String(event?.by)}`);
  }

  @EventEndpoint(TELEMETRY_EVENT, { protocols: ['mqtt'] })
  clientStats(@Msg() telemetry: unknown) {
    this.telemetry.accept(telemetry);
  }
}
