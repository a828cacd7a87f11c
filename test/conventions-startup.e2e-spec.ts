import 'reflect-metadata';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Controller, type INestApplication, type ModuleMetadata } from '@nestjs/common';
import { ClientProxyFactory, MessagePattern, Transport, type ClientProxy } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { lastValueFrom } from 'rxjs';
import { Endpoint, Msg, ProtocolsModule, ProtocolsRuntime, startProtocols, TcpClient, type ProtocolsModuleOptions } from '@orion/protocols';
import { grpcClient, grpcUnary } from './harness/clients';
import { freePort } from './harness/servers';

@Controller()
class HybridController {
  @Endpoint('hybrid.echo', { protocols: ['http', 'tcp'] })
  echo(@Msg() payload: unknown) {
    return { echoed: payload };
  }

  /** A plain Nest handler, served by the app's own microservice (and by Orion's TCP too). */
  @MessagePattern('legacy.ping')
  ping() {
    return 'pong';
  }
}

async function createApp(options: ProtocolsModuleOptions, controllers: ModuleMetadata['controllers']): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({
    imports: [ProtocolsModule.forRoot({ ...options, logRequests: false })],
    controllers,
  }).compile();
  return moduleRef.createNestApplication({ logger: false });
}

describe('an app that also connects its own microservices', () => {
  let legacy: ClientProxy | undefined;
  let orion: TcpClient | undefined;

  afterEach(async () => {
    await legacy?.close();
    await orion?.close();
  });

  async function connectLegacy(app: INestApplication): Promise<number> {
    const port = await freePort();
    app.connectMicroservice({ transport: Transport.TCP, options: { host: '127.0.0.1', port } });
    return port;
  }

  async function expectBothServe(app: INestApplication, legacyPort: number) {
    const addresses = app.get(ProtocolsRuntime).addresses!;
    legacy = ClientProxyFactory.create({ transport: Transport.TCP, options: { host: '127.0.0.1', port: legacyPort } });
    orion = new TcpClient({ port: addresses.tcp!.port, timeoutMs: 10_000 });
    expect(await lastValueFrom(legacy.send('legacy.ping', {}))).toBe('pong');
    expect(await lastValueFrom(orion.send('hybrid.echo', { n: 1 }))).toEqual({ echoed: { n: 1 } });
    const res = await fetch(`${addresses.http!.url}/hybrid/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"n":2}',
    });
    expect(await res.json()).toEqual({ echoed: { n: 2 } });
  }

  it('should start Orion listeners after app.startAllMicroservices() without binding anything twice', async () => {
    const app = await createApp({ http: { port: 0 }, tcp: { port: 0 } }, [HybridController]);
    try {
      const legacyPort = await connectLegacy(app);
      await app.startAllMicroservices();
      await startProtocols(app);
      await expectBothServe(app, legacyPort);
    } finally {
      await app.close();
    }
  });

  it('should leave Orion listeners running when app.startAllMicroservices() comes after startProtocols', async () => {
    const app = await createApp({ http: { port: 0 }, tcp: { port: 0 } }, [HybridController]);
    try {
      const legacyPort = await connectLegacy(app);
      await startProtocols(app);
      await app.startAllMicroservices();
      await expectBothServe(app, legacyPort);
    } finally {
      await app.close();
    }
  });

  it('should refuse a second startProtocols for the same app, saying to call it once', async () => {
    const app = await createApp({ tcp: { port: 0 } }, [HybridController]);
    try {
      await startProtocols(app);
      await expect(startProtocols(app)).rejects.toThrow('startProtocols(app) was already called for this app');
    } finally {
      await app.close();
    }
  });
});

const SHOP_PROTO = `
syntax = "proto3";
package shop;
message OrderRequest { string item = 1; int32 qty = 2; }
message OrderReply { string id = 1; string item = 2; }
service Orders {
  rpc CreateOrder (OrderRequest) returns (OrderReply);
}
`;

@Controller()
class ShopController {
  @Endpoint('orders.create', { grpc: { service: 'Orders', method: 'CreateOrder' } })
  create(@Msg() order: { item: string }) {
    return { id: 'o-1', item: order.item };
  }
}

@Controller()
class UnmappedShopController {
  @Endpoint('orders.create', { grpc: { service: 'Orders', method: 'CreateOrder' } })
  create(@Msg() order: { item: string }) {
    return { id: 'o-1', item: order.item };
  }

  /** Default mapping: service `UnmappedShop`, method `OrdersCancel`: neither is in shop.proto. */
  @Endpoint('orders.cancel')
  cancel() {
    return { cancelled: true };
  }

  @Endpoint('orders.refund', { grpc: { service: 'Orders', method: 'Refund' } })
  refund() {
    return { refunded: true };
  }
}

describe('gRPC endpoints and the user .proto (grpc.protoPath)', () => {
  let dir: string;
  let protoPath: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'orion-conventions-'));
    protoPath = join(dir, 'shop.proto');
    writeFileSync(protoPath, SHOP_PROTO);
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('should serve an endpoint mapped to a method of the .proto', async () => {
    const app = await createApp({ grpc: { port: 0, protoPath, package: 'shop' } }, [ShopController]);
    try {
      const addresses = await startProtocols(app);
      const client = grpcClient(protoPath, 'shop', 'Orders', addresses.grpc!.url);
      try {
        expect(await grpcUnary(client, 'CreateOrder', { item: 'tea', qty: 1 })).toEqual({ reply: { id: 'o-1', item: 'tea' } });
      } finally {
        client.close();
      }
    } finally {
      await app.close();
    }
  });

  it('should reject at start, naming the endpoint and the method, before anything is bound or advertised', async () => {
    const port = await freePort();
    const app = await createApp({ grpc: { port, protoPath, package: 'shop' }, tcp: { port: 0 } }, [UnmappedShopController]);
    try {
      const error = (await startProtocols(app).catch((e: unknown) => e)) as Error;
      expect(error).toBeInstanceOf(Error);
      // The first unserved one, in declaration order, with what the .proto does serve.
      expect(error.message).toContain("gRPC endpoint 'orders.cancel' (UnmappedShopController.cancel) maps to UnmappedShop/OrdersCancel");
      expect(error.message).toContain("package 'shop'");
      expect(error.message).toContain('Orders (CreateOrder)');
      expect(app.get(ProtocolsRuntime).addresses).toBeUndefined();
      // Nothing bound: the gRPC port is still free.
      const probe = await createApp({ grpc: { port, protoPath, package: 'shop' } }, [ShopController]);
      await expect(startProtocols(probe)).resolves.toMatchObject({ grpc: { port } });
      await probe.close();
    } finally {
      await app.close();
    }
  });

  it('should name a method missing from a service the .proto has', async () => {
    @Controller()
    class RefundOnly {
      @Endpoint('orders.refund', { grpc: { service: 'Orders', method: 'Refund' } })
      refund() {
        return { refunded: true };
      }
    }
    const app = await createApp({ grpc: { port: 0, protoPath, package: 'shop' } }, [RefundOnly]);
    try {
      await expect(startProtocols(app)).rejects.toThrow(/'orders\.refund' \(RefundOnly\.refund\) maps to Orders\/Refund/);
    } finally {
      await app.close();
    }
  });
});
