import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Controller, Injectable, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  BalancedClientsModule,
  createRegistry,
  InjectBalancedClient,
  MissingServiceNameError,
  ServiceDiscoveryModule,
  type BalancedClientProxy,
  type HeartbeatPatch,
  type RegisterOptions,
  type ServiceInstance,
  type ServiceRegistration,
  type ServiceRegistry,
} from '@orion/discovery';
import { Endpoint, Msg, ProtocolsModule, startProtocols } from '@orion/protocols';
import { filter, firstValueFrom, lastValueFrom, tap, type Observable } from 'rxjs';

const SERVICE = 'client-only-echo';

@Controller()
class EchoController {
  @Endpoint('echo', { protocols: ['tcp'] })
  echo(@Msg() payload: unknown) {
    return payload;
  }
}

@Injectable()
class Caller {
  constructor(@InjectBalancedClient(SERVICE) readonly client: BalancedClientProxy) {}
}

/** A real registry that records who watches which service and when a watch first delivers. */
class WatchRecordingRegistry implements ServiceRegistry {
  readonly watched = new Set<string>();
  private firstSnapshot!: (instances: ServiceInstance[]) => void;
  /** The first snapshot a watcher of `SERVICE` received. */
  readonly firstSnapshot$ = new Promise<ServiceInstance[]>((resolve) => (this.firstSnapshot = resolve));
  constructor(private readonly inner: ServiceRegistry) {}
  register(instance: ServiceRegistration, opts: RegisterOptions) {
    return this.inner.register(instance, opts);
  }
  heartbeat(id: string, patch?: HeartbeatPatch) {
    return this.inner.heartbeat(id, patch);
  }
  deregister(id: string) {
    return this.inner.deregister(id);
  }
  list(service: string): Promise<ServiceInstance[]> {
    return this.inner.list(service);
  }
  services() {
    return this.inner.services();
  }
  watch(service: string): Observable<ServiceInstance[]> {
    this.watched.add(service);
    return this.inner.watch(service).pipe(tap((instances) => service === SERVICE && this.firstSnapshot(instances)));
  }
  close() {
    return this.inner.close();
  }
}

describe('an app that only calls other services (file:// registry)', () => {
  let dir: string;
  let url: string;
  let registry: ServiceRegistry;
  let server: INestApplication;
  const apps: INestApplication[] = [];

  async function boot(imports: unknown[], providers: unknown[] = []): Promise<INestApplication> {
    const moduleRef = await Test.createTestingModule({ imports: imports as never[], providers: providers as never[] }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    apps.push(app);
    return app;
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'orion-client-only-'));
    url = `file://${dir}`;
    registry = createRegistry(url);
    const moduleRef = await Test.createTestingModule({
      imports: [
        ProtocolsModule.forRoot({ tcp: {}, logRequests: false }),
        ServiceDiscoveryModule.forRoot({ service: { name: SERVICE }, registry: url, ttlMs: 5000, drain: { graceMs: 0 } }),
      ],
      controllers: [EchoController],
    }).compile();
    server = moduleRef.createNestApplication({ logger: false });
    await startProtocols(server);
    await firstValueFrom(registry.watch(SERVICE).pipe(filter((list) => list.some((i) => i.status === 'passing'))));
  }, 30_000);

  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
  });

  afterAll(async () => {
    await server?.close();
    await registry?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('should start without a service name, register nothing, and list instances in stats() before its first call', async () => {
    const watching = new WatchRecordingRegistry(createRegistry(url));
    const app = await boot(
      [ServiceDiscoveryModule.forRoot({ registry: watching }), BalancedClientsModule.register([{ service: SERVICE, transport: 'tcp' }])],
      [Caller],
    );
    await app.init();
    // The view is watched from application start, not from the first call.
    expect([...watching.watched]).toEqual([SERVICE]);
    const [served] = await watching.firstSnapshot$;
    const client = app.get(Caller).client;
    expect(client.stats().instances.map((instance) => instance.id)).toEqual([served.id]);
    await expect(lastValueFrom(client.send('echo', { n: 1 }))).resolves.toEqual({ n: 1 });
    // Nothing but the serving instance was registered.
    expect(await registry.services()).toEqual([SERVICE]);
    expect((await registry.list(SERVICE)).map((instance) => instance.id)).toEqual([served.id]);
    await app.close();
    await watching.close();
  });

  it('should refuse an app that serves endpoints without a service name, saying how to fix it', async () => {
    // NOTE: the module fails as Nest builds it (the app's start), before anything listens.
    const failure = boot([ProtocolsModule.forRoot({ tcp: {}, logRequests: false }), ServiceDiscoveryModule.forRoot({ registry: url })]);
    await expect(failure).rejects.toBeInstanceOf(MissingServiceNameError);
    await expect(failure).rejects.toThrow(/serves endpoints[\s\S]*service: \{ name \}[\s\S]*shouldRegister: false/);
  });

  it('should refuse shouldRegister: true without a service name', async () => {
    await expect(boot([ServiceDiscoveryModule.forRoot({ registry: url, shouldRegister: true })])).rejects.toThrow(MissingServiceNameError);
  });

  it('should let an app with listeners opt out of registration explicitly, without a name', async () => {
    const app = await boot([
      ProtocolsModule.forRoot({ tcp: {}, logRequests: false }),
      ServiceDiscoveryModule.forRoot({ registry: url, shouldRegister: false }),
    ]);
    await startProtocols(app);
    expect(await registry.services()).toEqual([SERVICE]);
  });
});
