import { Module, type DynamicModule } from '@nestjs/common';
import { ProtocolsModule } from '@orion/protocols';
import { ServiceDiscoveryModule } from '@orion/discovery';
import { EventsPublisher } from '../shared/events.publisher';
import { METADATA_LEADER_GROUPS, METADATA_PID, METADATA_RESTARTS, RESTOCK_GROUP } from '../shared/mesh.constants';
import { MESH_ENV, meshMqttOptions, type MeshEnv } from '../shared/mesh-env';
import { ServedByMiddleware } from '../shared/served-by.middleware';
import { InventoryController } from './inventory.controller';
import { RestockJob } from './restock.job';
import { StockRepository } from './stock.repository';

/** The inventory service: HTTP, gRPC, UDP and MQTT listeners, registered as `inventory`. */
@Module({})
export class InventoryModule {
  static forRoot(env: MeshEnv): DynamicModule {
    return {
      module: InventoryModule,
      imports: [
        ProtocolsModule.forRoot({
          serviceName: 'inventory',
          http: {},
          grpc: {},
          udp: {},
          mqtt: meshMqttOptions(env),
          middleware: [ServedByMiddleware],
        }),
        ServiceDiscoveryModule.forRoot({
          service: {
            name: 'inventory',
            version: env.version,
            zone: env.zone,
            metadata: {
              [METADATA_PID]: String(process.pid),
              [METADATA_RESTARTS]: String(env.restarts),
              [METADATA_LEADER_GROUPS]: RESTOCK_GROUP,
            },
          },
          registry: env.registryUrl,
          instanceId: env.instanceId,
          ttlMs: env.ttlMs,
          drain: { graceMs: 500 },
        }),
      ],
      controllers: [InventoryController],
      providers: [{ provide: MESH_ENV, useValue: env }, StockRepository, EventsPublisher, RestockJob, ServedByMiddleware],
    };
  }
}
