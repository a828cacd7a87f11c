import { Module, type DynamicModule } from '@nestjs/common';
import { ProtocolsModule } from '@orion/protocols';
import { BalancedClientsModule, getBalancedClientToken, ServiceDiscoveryModule, type BalancedClientProxy } from '@orion/discovery';
import { ClientStatsPublisher, PUBLISHED_CLIENTS } from '../shared/client-stats.publisher';
import { EventsPublisher } from '../shared/events.publisher';
import { METADATA_PID, METADATA_RESTARTS } from '../shared/mesh.constants';
import { inventoryVersionRouting, MESH_ENV, type MeshEnv } from '../shared/mesh-env';
import { toStrategyName } from '../shared/strategy-name.util';
import { ServedByMiddleware } from '../shared/served-by.middleware';
import { OrdersController } from './orders.controller';
import { OrdersRepository } from './orders.repository';

/** The orders service: HTTP and TCP listeners, a balanced gRPC client to `inventory`. */
@Module({})
export class OrdersModule {
  static forRoot(env: MeshEnv): DynamicModule {
    return {
      module: OrdersModule,
      imports: [
        ProtocolsModule.forRoot({ serviceName: 'orders', http: {}, tcp: {}, middleware: [ServedByMiddleware] }),
        ServiceDiscoveryModule.forRoot({
          service: {
            name: 'orders',
            version: env.version,
            zone: env.zone,
            metadata: { [METADATA_PID]: String(process.pid), [METADATA_RESTARTS]: String(env.restarts) },
          },
          registry: env.registryUrl,
          instanceId: env.instanceId,
          ttlMs: env.ttlMs,
          drain: { graceMs: 500 },
        }),
        BalancedClientsModule.register([
          {
            service: 'inventory',
            transport: 'grpc',
            strategy: toStrategyName(env.strategy),
            timeoutMs: 2000,
            ...inventoryVersionRouting(env),
          },
        ]),
      ],
      controllers: [OrdersController],
      providers: [
        { provide: MESH_ENV, useValue: env },
        { provide: PUBLISHED_CLIENTS, inject: [getBalancedClientToken('inventory')], useFactory: (c: BalancedClientProxy) => [c] },
        OrdersRepository,
        EventsPublisher,
        ClientStatsPublisher,
        ServedByMiddleware,
      ],
    };
  }
}
