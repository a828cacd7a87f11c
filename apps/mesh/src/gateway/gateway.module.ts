import { Module, type DynamicModule } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ProtocolBridgeModule, ProtocolsModule } from '@orion/protocols';
import { AutoscaleModule, BalancedClientsModule, getBalancedClientToken, ServiceDiscoveryModule } from '@orion/discovery';
import { METADATA_PID, METADATA_RESTARTS } from '../shared/mesh.constants';
import { inventoryVersionRouting, MESH_ENV, meshMqttOptions, type MeshEnv } from '../shared/mesh-env';
import { toStrategyName } from '../shared/strategy-name.util';
import { ClientTelemetryStore } from './client-telemetry.store';
import { DashboardController } from './dashboard.controller';
import { DemoTrafficService } from './demo-traffic.service';
import { GATEWAY_BRIDGE_RULES } from './gateway.bridge';
import { MeshEventLog } from './mesh-event.log';
import { MeshEventsController } from './mesh-events.controller';
import { MeshRegistryWatcher } from './mesh-registry.watcher';
import { MeshViewService } from './mesh-view.service';
import { OrdersApiController } from './orders-api.controller';
import { RateLimitMiddleware } from './rate-limit.middleware';
import { SameOriginGuard } from './same-origin.guard';
import { TraceStore } from './traces/trace.store';
import { TracesController } from './traces/traces.controller';

/**
 * The edge: HTTP and WebSocket for callers, MQTT for events and kiosks, balanced clients
 * to `orders` (TCP) and `inventory` (gRPC), bridge rules, the autoscale advisor and the
 * dashboard. Registered as `gateway` like any other service.
 */
@Module({})
export class GatewayModule {
  static forRoot(env: MeshEnv): DynamicModule {
    return {
      module: GatewayModule,
      imports: [
        ProtocolsModule.forRoot({
          serviceName: 'gateway',
          http: { port: env.httpPort },
          ws: {},
          mqtt: meshMqttOptions(env),
        }),
        ServiceDiscoveryModule.forRoot({
          service: {
            name: 'gateway',
            version: env.version,
            zone: env.zone,
            metadata: { [METADATA_PID]: String(process.pid), [METADATA_RESTARTS]: String(env.restarts) },
          },
          registry: env.registryUrl,
          instanceId: env.instanceId,
          ttlMs: env.ttlMs,
          drain: { graceMs: 300 },
        }),
        BalancedClientsModule.register([
          { service: 'orders', transport: 'tcp', strategy: toStrategyName(env.strategy), timeoutMs: 3000 },
          {
            service: 'inventory',
            transport: 'grpc',
            strategy: toStrategyName(env.strategy),
            timeoutMs: 2000,
            ...inventoryVersionRouting(env),
          },
        ]),
        ProtocolBridgeModule.forRoot({
          rules: GATEWAY_BRIDGE_RULES,
          targets: { orders: getBalancedClientToken('orders'), inventory: getBalancedClientToken('inventory') },
        }),
        // Advice per service from the load in the registry; also `GET /autoscale` and /metrics gauges.
        AutoscaleModule.forRoot({ target: 0.6, minInstances: 1, maxInstances: 10, intervalMs: 2000, stabilizationWindowMs: 30_000 }),
      ],
      controllers: [OrdersApiController, DashboardController, MeshEventsController, TracesController],
      providers: [
        { provide: MESH_ENV, useValue: env },
        RateLimitMiddleware,
        // State-changing HTTP routes refuse foreign Origin and Host (CSRF, DNS rebinding).
        { provide: APP_GUARD, useClass: SameOriginGuard },
        MeshEventLog,
        ClientTelemetryStore,
        MeshRegistryWatcher,
        DemoTrafficService,
        MeshViewService,
        // Recent traces posted by the mesh's OTLP exporters (`POST /v1/traces`), for the waterfall.
        TraceStore,
      ],
    };
  }
}
