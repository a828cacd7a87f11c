import { Module, type DynamicModule } from '@nestjs/common';
import { BalancedClientsModule, ServiceDiscoveryModule, type BalancedClientOptions } from '@orion/discovery';
import { ProtocolsModule } from '@orion/protocols';
import { GreeterController } from './greeter.controller';
import { RelayController } from './relay.controller';

export type Role = 'greeter' | 'frontend';

export interface AppSettings {
  role: Role;
  /** Where instances meet: `file://<dir>` here; `redis://...` or `etcd://...` across hosts. */
  registry: string;
  /** Interface to listen on: `0.0.0.0` in a container (then set ORION_ADVERTISE_HOST). */
  host: string;
  /** An MQTT 3.1.1 broker: MQTT is served and called only when given (needs `npm i mqtt`). */
  mqttUrl?: string;
}

@Module({})
export class AppModule {
  static forRole({ role, registry, host, mqttUrl }: AppSettings): DynamicModule {
    const discovery = ServiceDiscoveryModule.forRoot({ service: { name: role }, registry });
    if (role === 'greeter') {
      const mqtt = mqttUrl ? { mqtt: { url: mqttUrl, protocolVersion: 4 as const } } : {};
      return {
        module: AppModule,
        // Port 0: any free port; the registry publishes the ports really bound.
        imports: [ProtocolsModule.forRoot({ http: { host }, ws: {}, tcp: { host }, udp: { host }, grpc: { host }, ...mqtt }), discovery],
        controllers: [GreeterController],
      };
    }
    // One balanced client per transport, to show them all; an app needs one.
    const transports = ['tcp', 'grpc', 'http', 'ws', 'udp', ...(mqttUrl ? ['mqtt' as const] : [])] as const;
    const clients: BalancedClientOptions[] = transports.map((transport) => ({
      service: 'greeter',
      name: `greeter-${transport}`,
      transport,
    }));
    return {
      module: AppModule,
      imports: [
        ProtocolsModule.forRoot({ http: { host, port: Number(process.env.PORT ?? 0) } }),
        discovery,
        BalancedClientsModule.register(clients),
      ],
      controllers: [RelayController],
    };
  }
}
