import 'reflect-metadata';
import { Controller, Inject, Injectable, Module, type INestApplication, type DynamicModule } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { lastValueFrom, type Observable } from 'rxjs';
import {
  Endpoint,
  MsgContext,
  ProtocolsModule,
  startProtocols,
  TcpClient,
  UseMiddleware,
  type BoundAddresses,
  type MiddlewareNext,
  type ProtocolMessage,
  type ProtocolMiddleware,
  type ProtocolsModuleOptions,
} from '@orion/protocols';

const TEAM = Symbol('TEAM');

/** Not a provider anywhere: built by Orion in the module of the controller that uses it. */
@Injectable()
class TeamTagMiddleware implements ProtocolMiddleware {
  constructor(@Inject(TEAM) private readonly team: string) {}
  use(message: ProtocolMessage, next: MiddlewareNext): Observable<unknown> {
    message.headers['x-team'] = this.team;
    return next();
  }
}

/** Provided in the app module only, not exported. */
@Injectable()
class TenantDirectory {
  readonly lookups: string[] = [];
  tenantOf(pattern: string): string {
    this.lookups.push(pattern);
    return 'acme';
  }
}

/** Global middleware (module options), built in the module that imports ProtocolsModule. */
@Injectable()
class TenantMiddleware implements ProtocolMiddleware {
  constructor(private readonly directory: TenantDirectory) {}
  use(message: ProtocolMessage, next: MiddlewareNext): Observable<unknown> {
    message.headers['x-tenant'] = this.directory.tenantOf(message.pattern);
    return next();
  }
}

function reply(message: ProtocolMessage) {
  return { team: message.headers['x-team'], tenant: message.headers['x-tenant'] };
}

@Controller()
@UseMiddleware(TeamTagMiddleware)
class BillingController {
  @Endpoint('billing.whoami', { protocols: ['http', 'tcp'] })
  whoami(@MsgContext() message: ProtocolMessage) {
    return reply(message);
  }
}

@Controller()
class ShippingController {
  @Endpoint('shipping.whoami', { protocols: ['http', 'tcp'] })
  @UseMiddleware(TeamTagMiddleware)
  whoami(@MsgContext() message: ProtocolMessage) {
    return reply(message);
  }
}

@Module({ controllers: [BillingController], providers: [{ provide: TEAM, useValue: 'billing' }] })
class BillingModule {}

@Module({ controllers: [ShippingController], providers: [{ provide: TEAM, useValue: 'shipping' }] })
class ShippingModule {}

@Module({})
class AppModule {
  static with(options: ProtocolsModuleOptions, features: DynamicModule['imports'] = [BillingModule, ShippingModule]): DynamicModule {
    return {
      module: AppModule,
      imports: [ProtocolsModule.forRoot({ ...options, middleware: [TenantMiddleware], logRequests: false }), ...(features ?? [])],
      providers: [TenantDirectory],
    };
  }
}

describe('middleware classes get their dependencies from the module that uses them', () => {
  let app: INestApplication;
  let addresses: BoundAddresses;
  let tcp: TcpClient;

  beforeAll(async () => {
    // The usual shape: the test (or main.ts) imports the app module, which imports ProtocolsModule.
    const moduleRef = await Test.createTestingModule({ imports: [AppModule.with({ http: { port: 0 }, tcp: { port: 0 } })] }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    addresses = await startProtocols(app);
    tcp = new TcpClient({ port: addresses.tcp!.port, timeoutMs: 10_000 });
  });

  afterAll(async () => {
    await tcp?.close();
    await app?.close();
  });

  async function overHttp(path: string) {
    const res = await fetch(`${addresses.http!.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    return res.json();
  }

  it('should build class and method middleware with the providers of the controller module', async () => {
    expect(await overHttp('/billing/whoami')).toEqual({ team: 'billing', tenant: 'acme' });
    expect(await overHttp('/shipping/whoami')).toEqual({ team: 'shipping', tenant: 'acme' });
    expect(await lastValueFrom(tcp.send('billing.whoami', {}))).toEqual({ team: 'billing', tenant: 'acme' });
    expect(await lastValueFrom(tcp.send('shipping.whoami', {}))).toEqual({ team: 'shipping', tenant: 'acme' });
  });

  it('should build global middleware with the providers of the module that imports ProtocolsModule', () => {
    expect(app.get(TenantDirectory).lookups).toEqual(expect.arrayContaining(['billing.whoami', 'shipping.whoami']));
  });

  it('should fail at start naming the middleware and the module when a dependency is nowhere in its scope', async () => {
    @Controller()
    @UseMiddleware(TeamTagMiddleware)
    class OrphanController {
      @Endpoint('orphan.whoami', { protocols: ['http'] })
      whoami(@MsgContext() message: ProtocolMessage) {
        return reply(message);
      }
    }
    @Module({ controllers: [OrphanController] })
    class OrphanModule {}
    const moduleRef = await Test.createTestingModule({ imports: [AppModule.with({ http: { port: 0 } }, [OrphanModule])] }).compile();
    const broken = moduleRef.createNestApplication({ logger: false });
    try {
      await expect(startProtocols(broken)).rejects.toThrow(/TeamTagMiddleware[\s\S]*OrphanModule/);
    } finally {
      await broken.close();
    }
  });
});
