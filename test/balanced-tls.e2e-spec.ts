import 'reflect-metadata';
import { Controller, Injectable, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Endpoint, ProtocolError, ProtocolsModule, startProtocols } from '@orion/protocols';
import {
  BalancedClientsModule,
  createRegistry,
  InjectBalancedClient,
  ServiceDiscoveryModule,
  type BalancedClientProxy,
  type BalancedTransport,
} from '@orion/discovery';
import { lastValueFrom } from 'rxjs';
import { generateTestCertificates, type TestCertificates } from './harness/certificates';

const REGISTRY = 'memory://balanced-tls';

@Controller()
class SecureController {
  @Endpoint('secure.ping', { protocols: ['tcp', 'grpc', 'http'] })
  ping() {
    return 'pong';
  }
}

@Injectable()
class Callers {
  constructor(
    @InjectBalancedClient('tcp') readonly tcp: BalancedClientProxy,
    @InjectBalancedClient('grpc') readonly grpc: BalancedClientProxy,
    @InjectBalancedClient('http') readonly http: BalancedClientProxy,
    @InjectBalancedClient('untrusting') readonly untrusting: BalancedClientProxy,
  ) {}
}

describe('balanced clients to TLS listeners advertised in the registry', () => {
  let certs: TestCertificates;
  let server: INestApplication;
  let caller: INestApplication;

  beforeAll(async () => {
    certs = await generateTestCertificates();
    const tls = { cert: certs.server.cert, key: certs.server.key };
    const serverModule = await Test.createTestingModule({
      imports: [
        ProtocolsModule.forRoot({ http: { tls }, tcp: { tls }, grpc: { tls }, logRequests: false }),
        ServiceDiscoveryModule.forRoot({ service: { name: 'secure' }, registry: REGISTRY, drain: { graceMs: 0 } }),
      ],
      controllers: [SecureController],
    }).compile();
    server = serverModule.createNestApplication({ logger: false });
    await startProtocols(server);
    const registry = createRegistry(REGISTRY);
    const until = Date.now() + 3000;
    while ((await registry.list('secure')).length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    await registry.close();
    const client = (name: string, transport: BalancedTransport, ca?: string) => ({
      name,
      service: 'secure',
      transport,
      metrics: false as const,
      timeoutMs: 2000,
      ...(ca ? { tls: { ca } } : {}),
    });
    const callerModule = await Test.createTestingModule({
      imports: [
        ServiceDiscoveryModule.forRoot({ service: { name: 'caller' }, registry: REGISTRY, shouldRegister: false }),
        BalancedClientsModule.register([
          client('tcp', 'tcp', certs.ca.cert),
          client('grpc', 'grpc', certs.ca.cert),
          client('http', 'http', certs.ca.cert),
          client('untrusting', 'tcp', certs.otherCa.cert),
        ]),
      ],
      providers: [Callers],
    }).compile();
    caller = callerModule.createNestApplication({ logger: false });
    await caller.init();
  });

  afterAll(async () => {
    await caller?.close();
    await server?.close();
    certs?.remove();
  });

  it.each(['tcp', 'grpc', 'http'] as const)('should call over %s with TLS when the endpoint says so', async (name) => {
    const reply = await lastValueFrom(caller.get(Callers)[name].send('secure.ping', {}));
    expect(reply).toBe('pong');
  });

  it('should refuse the call when the client does not trust the server certificate', async () => {
    const error = await lastValueFrom(caller.get(Callers).untrusting.send('secure.ping', {})).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProtocolError);
    expect((error as ProtocolError).code).toBe('UNAVAILABLE');
  });
});
