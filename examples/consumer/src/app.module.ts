import { Module, type DynamicModule } from '@nestjs/common';
import { BalancedClientsModule, ServiceDiscoveryModule } from '@orion/discovery';
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
}

@Module({})
export class AppModule {
  static forRole({ role, registry, host }: AppSettings): DynamicModule {
    const discovery = ServiceDiscoveryModule.forRoot({ service: { name: role }, registry });
    if (role === 'greeter') {
      return {
        module: AppModule,
        // Port 0: any free port; the registry publishes the ports really bound.
        imports: [ProtocolsModule.forRoot({ http: { host }, ws: {}, tcp: { host }, udp: { host }, grpc: { host } }), discovery],
        controllers: [GreeterController],
      };
    }
    return {
      module: AppModule,
      imports: [
        ProtocolsModule.forRoot({ http: { host, port: Number(process.env.PORT ?? 0) } }),
        discovery,
        BalancedClientsModule.register([
          { service: 'greeter', name: 'greeter-tcp', transport: 'tcp' },
          { service: 'greeter', name: 'greeter-grpc', transport: 'grpc' },
          { service: 'greeter', name: 'greeter-http', transport: 'http' },
          { service: 'greeter', name: 'greeter-ws', transport: 'ws' },
          { service: 'greeter', name: 'greeter-udp', transport: 'udp' },
        ]),
      ],
      controllers: [RelayController],
    };
  }
}
