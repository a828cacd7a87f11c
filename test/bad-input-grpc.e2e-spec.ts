import 'reflect-metadata';
import * as grpc from '@grpc/grpc-js';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { GRPC_ERROR_TRAILER, startProtocols } from '@orion/protocols';
import { BadInputFixtureModule, echoCount, OrdersController } from './fixtures/orders.fixture';
import { deeplyNestedJson, FUZZ_COUNT, FUZZ_SEED, fuzzLoop, isPrototypePolluted } from './harness/fuzz';
import { rawExchange } from './harness/raw-clients';

const MAX_MESSAGE = 512 * 1024;

/** Encodes `JsonMessage { string json = 1; }` by hand, so tests can also send what protobufjs would not. */
function jsonMessage(json: string): Buffer {
  const body = Buffer.from(json);
  const length: number[] = [];
  let n = body.length;
  do {
    length.push((n & 0x7f) | (n > 0x7f ? 0x80 : 0));
    n >>>= 7;
  } while (n > 0);
  return Buffer.concat([Buffer.from([0x0a, ...length]), body]);
}

/** Decodes `JsonMessage` (field 1 only, as the server writes it). */
function readJson(bytes: Buffer): unknown {
  if (bytes.length === 0) return undefined;
  let offset = 1;
  let length = 0;
  for (let shift = 0; ; shift += 7) {
    const byte = bytes[offset++];
    length |= (byte & 0x7f) << shift;
    if (byte < 0x80) break;
  }
  const text = bytes.subarray(offset, offset + length).toString();
  return text === '' ? undefined : JSON.parse(text);
}

interface CallResult {
  reply?: unknown;
  error?: grpc.ServiceError;
  trailer?: Record<string, unknown>;
}

describe('bad input over gRPC (grpc-js with raw messages)', () => {
  let app: INestApplication;
  let client: grpc.Client;
  let port: number;

  function call(path: string, request: Buffer, metadata = new grpc.Metadata(), deadlineMs = 3000): Promise<CallResult> {
    return new Promise((resolve) => {
      client.makeUnaryRequest(
        path,
        (value: Buffer) => value,
        (value: Buffer) => value,
        request,
        metadata,
        { deadline: Date.now() + deadlineMs },
        (error: grpc.ServiceError | null, reply?: Buffer) => {
          if (!error) return resolve({ reply: readJson(reply ?? Buffer.alloc(0)) });
          const trailer = error.metadata?.get(GRPC_ERROR_TRAILER)[0];
          resolve({ error, trailer: typeof trailer === 'string' ? (JSON.parse(trailer) as Record<string, unknown>) : undefined });
        },
      );
    });
  }

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [BadInputFixtureModule.with({ grpc: { port: 0, maxMessageBytes: MAX_MESSAGE } })],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    const addresses = await startProtocols(app);
    port = addresses.grpc!.port;
    client = new grpc.Client(addresses.grpc!.url, grpc.credentials.createInsecure());
  });

  afterEach(async () => {
    // Whatever the test sent, the server still answers a good call.
    const good = await call('/orion.Echo/Echo', jsonMessage('{"text":"still here"}'));
    expect(good).toMatchObject({ reply: { echoed: { text: 'still here' }, protocol: 'grpc' } });
  });

  afterAll(async () => {
    client?.close();
    await app?.close();
  });

  describe('unknown methods and malformed messages', () => {
    it.each(['/orion.Echo/NoSuchMethod', '/orion.NoSuchService/Echo', '/not-a-path', '/orion.Echo/'])(
      'should answer %s with UNIMPLEMENTED',
      async (path) => {
        const result = await call(path, jsonMessage('{}'));
        expect(result.error?.code).toBe(grpc.status.UNIMPLEMENTED);
      },
    );

    it('should answer INVALID_ARGUMENT to bytes that are no JsonMessage protobuf', async () => {
      // Field 2 with wire type 7, which does not exist.
      const result = await call('/orion.Echo/Echo', Buffer.from([0x17, 0x00]));
      expect(result.error?.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(result.trailer).toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/protobuf/) });
    });

    it('should answer JsonMessage.json that is not JSON with INVALID_ARGUMENT and the x-orion-error trailer', async () => {
      const result = await call('/orion.Echo/Echo', jsonMessage('{"text": nope'));
      expect(result.error?.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(result.trailer).toMatchObject({ code: 'INVALID_ARGUMENT', status: 3, message: expect.stringMatching(/not valid JSON/) });
    });

    it('should answer a message over maxMessageBytes with RESOURCE_EXHAUSTED', async () => {
      const result = await call('/orion.Echo/Echo', jsonMessage(JSON.stringify({ text: 'x'.repeat(MAX_MESSAGE) })));
      expect(result.error?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    });

    it('should survive bytes that are not HTTP/2 on the gRPC port', async () => {
      await rawExchange(port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n', 300);
      await rawExchange(
        port,
        Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\u0000\u0000\u0004\u0004\u0000\u0000\u0000\u0000\u0000\u00ff\u00ff'),
        300,
      );
    });
  });

  describe('hostile JSON', () => {
    it('should not pollute prototypes through __proto__ or constructor keys', async () => {
      const metadata = new grpc.Metadata();
      metadata.set('__proto__', 'polluted');
      const echo = await call(
        '/orion.Echo/Echo',
        jsonMessage('{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}}}'),
        metadata,
      );
      expect(echo.error).toBeUndefined();
      const order = await call('/orion.Orders/OrdersCreate', jsonMessage('{"sku":"A","quantity":1,"__proto__":{"polluted":1}}'));
      expect(order.reply).toMatchObject({ accepted: { sku: 'A', quantity: 1 } });
      expect(isPrototypePolluted()).toBe(false);
    });

    it('should survive 100k nested arrays: INTERNAL for an unserializable reply, INVALID_ARGUMENT from validation', async () => {
      const deep = deeplyNestedJson(100_000);
      const echo = await call('/orion.Echo/Echo', jsonMessage(`{"text":${deep}}`));
      expect(echo.error?.code).toBe(grpc.status.INTERNAL);
      expect(echo.trailer).toMatchObject({ code: 'INTERNAL' });
      expect(echo.error?.details).not.toMatch(/stack|Maximum/);
      const order = await call('/orion.Orders/OrdersCreate', jsonMessage(deep));
      expect(order.error?.code).toBe(grpc.status.INVALID_ARGUMENT);
    });
  });

  describe('wrong types and deadlines', () => {
    it('should answer wrong payload types with INVALID_ARGUMENT and the violations in the trailer', async () => {
      const created = app.get(OrdersController).created.length;
      const result = await call('/orion.Orders/OrdersCreate', jsonMessage('{"sku":1,"quantity":"many"}'));
      expect(result.error?.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(result.trailer).toMatchObject({ code: 'INVALID_ARGUMENT', details: expect.any(Array) });
      const empty = await call('/orion.Orders/OrdersCreate', Buffer.alloc(0));
      expect(empty.error?.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(app.get(OrdersController).created.length).toBe(created);
    });

    it('should refuse an expired deadline with DEADLINE_EXCEEDED without running the handler', async () => {
      const before = echoCount(app);
      const metadata = new grpc.Metadata();
      metadata.set('x-orion-timeout-ms', '-5');
      const late = await call('/orion.Echo/Echo', jsonMessage('{}'), metadata);
      expect(late.error?.code).toBe(grpc.status.DEADLINE_EXCEEDED);
      expect(late.trailer).toMatchObject({ code: 'DEADLINE_EXCEEDED' });
      // A native deadline that expires in flight ends the call on the client as well.
      const native = await call('/orion.Echo/Echo', jsonMessage('{}'), new grpc.Metadata(), -1);
      expect(native.error?.code).toBe(grpc.status.DEADLINE_EXCEEDED);
      expect(echoCount(app)).toBe(before);
    });
  });

  describe('fuzz', () => {
    it(`should end each of ${FUZZ_COUNT} random and mutated calls with a status`, async () => {
      const paths = ['/orion.Echo/Echo', '/orion.Orders/OrdersCreate', '/orion.Echo/Audit', '/orion.Echo/Nope'];
      const valid = jsonMessage('{"sku":"A-1","quantity":3}');
      const codes = new Set<number>();
      await fuzzLoop(
        'grpc',
        FUZZ_SEED,
        FUZZ_COUNT,
        async (fuzzer) => {
          const mode = fuzzer.int(4);
          if (mode === 3) {
            await rawExchange(port, fuzzer.bytes(96), 200);
            return;
          }
          const request = mode === 0 ? fuzzer.bytes(64) : mode === 1 ? jsonMessage(fuzzer.text(48)) : fuzzer.mutate(valid);
          const metadata = new grpc.Metadata();
          if (fuzzer.int(4) === 0) metadata.set('x-orion-timeout-ms', String(fuzzer.int(50) - 25));
          const result = await call(fuzzer.pick(paths), request, metadata);
          // Every call ends (the 3 s client deadline would show up as DEADLINE_EXCEEDED).
          codes.add(result.error?.code ?? grpc.status.OK);
          if (result.error && result.error.code !== grpc.status.DEADLINE_EXCEEDED) {
            expect(result.error.details).not.toMatch(/Maximum call stack|at \w+ \(/);
          }
        },
        20,
      );
      expect(codes.size).toBeGreaterThan(1);
      expect(isPrototypePolluted()).toBe(false);
    });
  });
});
