import 'reflect-metadata';
import { Controller, Injectable, ParseIntPipe, ValidationPipe, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { IsInt, IsString, Length, Min } from 'class-validator';
import {
  Endpoint,
  Msg,
  ProtocolsModule,
  startEmbeddedMqttBroker,
  startProtocols,
  type BoundAddresses,
  type EmbeddedMqttBroker,
  type Protocol,
} from '@orion/protocols';
import { ProtocolCallers } from './fixtures/protocol-callers.fixture';

class OrderDto {
  @IsString()
  @Length(1, 20)
  item!: string;

  @IsInt()
  @Min(1)
  qty!: number;
}

@Injectable()
class Runs {
  readonly patterns: string[] = [];
  count(pattern: string): number {
    return this.patterns.filter((p) => p === pattern).length;
  }
}

/** Shape of every reply: whether the handler got a DTO instance, and what it held. */
function seen(order: unknown) {
  return { isDto: order instanceof OrderDto, order: { ...(order as object) } };
}

@Controller()
class OrdersController {
  constructor(private readonly runs: Runs) {}

  @Endpoint('orders.param')
  param(@Msg(new ValidationPipe({ transform: true })) order: OrderDto) {
    this.runs.patterns.push('orders.param');
    return seen(order);
  }

  @Endpoint('orders.plain')
  plain(@Msg() order: OrderDto) {
    this.runs.patterns.push('orders.plain');
    return seen(order);
  }

  @Endpoint('orders.qty')
  qty(@Msg('qty', ParseIntPipe) qty: number) {
    this.runs.patterns.push('orders.qty');
    return { qty, type: typeof qty };
  }
}

const VALID = { item: 'tea', qty: 2 };
const INVALID = { item: '', qty: 0 };

async function startApp(broker: EmbeddedMqttBroker, globalPipe?: ValidationPipe) {
  const moduleRef = await Test.createTestingModule({
    imports: [
      ProtocolsModule.forRoot({
        http: { port: 0 },
        ws: {},
        tcp: { port: 0 },
        udp: { port: 0 },
        grpc: { port: 0 },
        mqtt: { url: broker.url, protocolVersion: 4 },
        logRequests: false,
      }),
    ],
    controllers: [OrdersController],
    providers: [Runs],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  if (globalPipe) app.useGlobalPipes(globalPipe);
  const addresses = await startProtocols(app);
  return { app, callers: ProtocolCallers.for(addresses), runs: app.get(Runs), addresses };
}

const PROTOCOLS: Protocol[] = ['http', 'ws', 'tcp', 'udp', 'grpc', 'mqtt'];

describe('pipes on @Msg() payloads, on every protocol, without validateCustomDecorators', () => {
  let broker: EmbeddedMqttBroker;

  beforeAll(async () => {
    broker = await startEmbeddedMqttBroker();
  });

  afterAll(async () => {
    await broker?.close();
  });

  describe('per parameter: @Msg(new ValidationPipe()) and @Msg(property, pipe)', () => {
    let app: INestApplication;
    let callers: ProtocolCallers;
    let runs: Runs;
    let addresses: BoundAddresses;

    beforeAll(async () => {
      ({ app, callers, runs, addresses } = await startApp(broker));
    });

    afterAll(async () => {
      await callers?.close();
      await app?.close();
    });

    it('should serve every protocol', () => {
      expect(callers.protocols.sort()).toEqual([...PROTOCOLS].sort());
    });

    it.each(PROTOCOLS)('%s: should refuse an invalid DTO with INVALID_ARGUMENT before the handler runs', async (protocol) => {
      const before = runs.count('orders.param');
      const outcome = await callers.call(protocol, 'orders.param', INVALID);
      expect(outcome).toMatchObject({ ok: false, code: 'INVALID_ARGUMENT' });
      const details = (outcome as { details: unknown }).details;
      expect(details).toEqual(expect.arrayContaining([expect.stringContaining('item'), expect.stringContaining('qty')]));
      expect(runs.count('orders.param')).toBe(before);
    });

    it.each(PROTOCOLS)('%s: should hand a valid payload to the handler as a DTO instance (transform)', async (protocol) => {
      const outcome = await callers.call(protocol, 'orders.param', VALID);
      expect(outcome).toEqual({ ok: true, value: { isDto: true, order: VALID } });
    });

    it.each(PROTOCOLS)('%s: should leave a parameter without pipes alone when no global pipe is set', async (protocol) => {
      // The control: proves the refusals above come from the pipe, not from the transport.
      const outcome = await callers.call(protocol, 'orders.plain', INVALID);
      expect(outcome).toEqual({ ok: true, value: { isDto: false, order: INVALID } });
    });

    it.each(PROTOCOLS)('%s: should pick one property with @Msg(property, pipe)', async (protocol) => {
      expect(await callers.call(protocol, 'orders.qty', { qty: '7' })).toEqual({ ok: true, value: { qty: 7, type: 'number' } });
      expect(await callers.call(protocol, 'orders.qty', { qty: 'seven' })).toMatchObject({ ok: false, code: 'INVALID_ARGUMENT' });
    });

    it('http: should answer 400 with the violations, and validate query and path fields merged into the payload', async () => {
      const url = addresses.http!.url;
      const bad = await fetch(`${url}/orders/param?qty=0`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ item: 'tea' }),
      });
      expect(bad.status).toBe(400);
      expect(await bad.json()).toMatchObject({
        code: 'INVALID_ARGUMENT',
        details: expect.arrayContaining([expect.stringContaining('qty')]),
      });
      const good = await fetch(`${url}/orders/param?item=tea`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ qty: 3 }),
      });
      expect(good.status).toBe(200);
      expect(await good.json()).toEqual({ isDto: true, order: { item: 'tea', qty: 3 } });
    });
  });

  describe('global: app.useGlobalPipes(new ValidationPipe())', () => {
    let app: INestApplication;
    let callers: ProtocolCallers;
    let runs: Runs;

    beforeAll(async () => {
      ({ app, callers, runs } = await startApp(broker, new ValidationPipe()));
    });

    afterAll(async () => {
      await callers?.close();
      await app?.close();
    });

    it.each(PROTOCOLS)('%s: should refuse an invalid DTO on a parameter without pipes', async (protocol) => {
      const before = runs.count('orders.plain');
      const outcome = await callers.call(protocol, 'orders.plain', INVALID);
      expect(outcome).toMatchObject({ ok: false, code: 'INVALID_ARGUMENT' });
      expect(runs.count('orders.plain')).toBe(before);
    });

    it.each(PROTOCOLS)('%s: should pass a valid payload through unchanged (no transform)', async (protocol) => {
      const outcome = await callers.call(protocol, 'orders.plain', VALID);
      expect(outcome).toEqual({ ok: true, value: { isDto: false, order: VALID } });
    });
  });
});
