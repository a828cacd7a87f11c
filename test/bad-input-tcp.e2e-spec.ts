import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { lastValueFrom } from 'rxjs';
import { ProtocolError, startProtocols, TcpClient, TcpServer, type TcpListenerOptions } from '@orion/protocols';
import { BadInputFixtureModule, echoCount, OrdersController, transportServer } from './fixtures/orders.fixture';
import { deeplyNestedJson, FUZZ_COUNT, FUZZ_SEED, fuzzLoop, isPrototypePolluted } from './harness/fuzz';
import { TcpProbe } from './harness/raw-clients';

const MAX_FRAME = 256 * 1024;
const FRAME_TIMEOUT_MS = 300;

async function startTcpApp(tcp: TcpListenerOptions): Promise<{ app: INestApplication; port: number }> {
  const moduleRef = await Test.createTestingModule({ imports: [BadInputFixtureModule.with({ tcp })] }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  const addresses = await startProtocols(app);
  return { app, port: addresses.tcp!.port };
}

describe('bad input over TCP (raw sockets and TcpClient)', () => {
  let app: INestApplication;
  let port: number;
  const probes: TcpProbe[] = [];

  async function probe(): Promise<TcpProbe> {
    const opened = await TcpProbe.open(port);
    probes.push(opened);
    return opened;
  }

  beforeAll(async () => {
    ({ app, port } = await startTcpApp({ port: 0, maxFrameBytes: MAX_FRAME, frameTimeoutMs: FRAME_TIMEOUT_MS }));
  });

  afterEach(async () => {
    for (const opened of probes.splice(0)) opened.close();
    // Whatever the test sent, the listener still serves a good request on a new connection.
    const good = await TcpProbe.open(port);
    try {
      expect(await good.request({ id: 'good', pattern: 'echo', data: { text: 'still here' } })).toMatchObject({
        response: { echoed: { text: 'still here' }, protocol: 'tcp' },
      });
    } finally {
      good.close();
    }
  });

  afterAll(async () => {
    await app?.close();
  });

  describe('malformed framing', () => {
    it('should answer INVALID_ARGUMENT and close when the length prefix is shorter than the body', async () => {
      const raw = await probe();
      raw.write('5#{"id":"short","pattern":"echo","data":{}}');
      expect(await raw.packet((p) => 'err' in p)).toMatchObject({ err: { code: 'INVALID_ARGUMENT' } });
      await raw.closed();
    });

    it.each([
      ['a length prefix longer than the body', '500#{"id":"long","pattern":"echo","data":{}}'],
      ['a truncated frame', '44#{"id":"cut","pattern":"ec'],
      ['a prefix without its body', '12#'],
    ])('should answer INVALID_ARGUMENT and close within frameTimeoutMs for %s', async (_name, bytes) => {
      const raw = await probe();
      const sent = Date.now();
      raw.write(bytes);
      expect(await raw.packet((p) => 'err' in p)).toMatchObject({
        err: { code: 'INVALID_ARGUMENT', message: expect.stringMatching(/incomplete frame/) },
      });
      const ms = await raw.closed(3000, sent);
      expect(ms).toBeGreaterThanOrEqual(FRAME_TIMEOUT_MS - 50);
      expect(ms).toBeLessThan(FRAME_TIMEOUT_MS + 1000);
    });

    it.each([
      ['an HTTP request', 'GET / HTTP/1.1\r\nHost: x\r\n\r\n'],
      ['binary garbage', Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x00, 0x23, 0xff])],
      ['a negative length', '-5#{}'],
      ['an endless digit prefix', '9'.repeat(64)],
      ['an empty prefix', '#{}'],
    ])('should answer INVALID_ARGUMENT and close at once for %s', async (_name, bytes) => {
      const raw = await probe();
      const sent = Date.now();
      raw.write(bytes);
      expect(await raw.packet((p) => 'err' in p)).toMatchObject({ id: null, err: { code: 'INVALID_ARGUMENT' } });
      expect(await raw.closed(3000, sent)).toBeLessThan(FRAME_TIMEOUT_MS);
    });

    it('should refuse a 100 MB length prefix with RESOURCE_EXHAUSTED before any body arrives', async () => {
      const raw = await probe();
      const sent = Date.now();
      raw.write(`${100 * 1024 * 1024}#{"id":"huge",`);
      expect(await raw.packet((p) => 'err' in p)).toMatchObject({ err: { code: 'RESOURCE_EXHAUSTED' } });
      expect(await raw.closed(3000, sent)).toBeLessThan(FRAME_TIMEOUT_MS);
    });

    it('should refuse a whole frame over maxFrameBytes with RESOURCE_EXHAUSTED', async () => {
      const raw = await probe();
      raw.send({ id: 'big', pattern: 'echo', data: { text: 'x'.repeat(MAX_FRAME) } });
      expect(await raw.packet((p) => 'err' in p)).toMatchObject({ err: { code: 'RESOURCE_EXHAUSTED' } });
      await raw.closed();
    });

    it('should answer INVALID_ARGUMENT, naming the id it can read, and close for a body that is not JSON', async () => {
      const raw = await probe();
      const body = '{"id":"nojson","pattern":"echo",data}';
      raw.write(`${body.length}#${body}`);
      expect(await raw.packet((p) => 'err' in p)).toMatchObject({ id: 'nojson', err: { code: 'INVALID_ARGUMENT' } });
      await raw.closed();
    });

    it.each(['5', '[1,2]', 'null', '"echo"', '{"id":"x","pattern":7}', '{"id":{"a":1},"pattern":"echo"}'])(
      'should answer INVALID_ARGUMENT to the packet %s and keep serving the connection',
      async (json) => {
        const raw = await probe();
        raw.write(`${json.length}#${json}`);
        expect(await raw.packet((p) => 'err' in p)).toMatchObject({ err: { code: 'INVALID_ARGUMENT' } });
        expect(await raw.request({ id: 'after', pattern: 'echo', data: { text: 'ok' } })).toMatchObject({
          response: { echoed: { text: 'ok' } },
        });
        expect(raw.isClosed).toBe(false);
      },
    );
  });

  describe('hostile JSON', () => {
    it('should not pollute prototypes through __proto__ or constructor keys', async () => {
      const raw = await probe();
      const json =
        '{"id":"proto","pattern":"echo","__proto__":{"polluted":"packet"},' +
        '"data":{"__proto__":{"polluted":"data"},"constructor":{"prototype":{"polluted":"data"}}},' +
        '"metadata":{"__proto__":{"polluted":"meta"},"constructor":{"prototype":{"polluted":"meta"}}}}';
      raw.write(`${json.length}#${json}`);
      expect(await raw.reply('proto')).toMatchObject({ response: { protocol: 'tcp' } });
      const order = await raw.request({
        id: 'proto-order',
        pattern: 'orders.create',
        data: JSON.parse('{"sku":"A-1","quantity":1,"__proto__":{"polluted":"order"}}'),
      });
      expect(order).toMatchObject({ response: { accepted: { sku: 'A-1', quantity: 1 } } });
      expect(isPrototypePolluted()).toBe(false);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });

    it('should survive 100k nested arrays: INTERNAL for a reply that cannot be serialized, INVALID_ARGUMENT from validation', async () => {
      const raw = await probe();
      const deep = deeplyNestedJson(100_000);
      const echo = `{"id":"deep","pattern":"echo","data":{"text":${deep}}}`;
      const order = `{"id":"deep-order","pattern":"orders.create","data":${deep}}`;
      const pattern = `{"id":"deep-pattern","pattern":${deep}}`;
      raw.write([echo, order, pattern].map((json) => `${json.length}#${json}`).join(''));
      expect(await raw.reply('deep')).toMatchObject({ err: { code: 'INTERNAL' } });
      expect(await raw.reply('deep-order')).toMatchObject({ err: { code: 'INVALID_ARGUMENT' } });
      expect(await raw.reply('deep-pattern')).toMatchObject({ err: { code: 'INVALID_ARGUMENT' } });
    });
  });

  describe('unknown patterns, wrong types and deadlines', () => {
    it('should answer NOT_FOUND in our error shape for an unknown pattern', async () => {
      const raw = await probe();
      expect(await raw.request({ id: 'nope', pattern: 'no.such.pattern', data: {} })).toMatchObject({
        id: 'nope',
        err: { code: 'NOT_FOUND', status: 5, message: expect.stringContaining('no.such.pattern') },
      });
    });

    it('should drop and count an event for an unknown pattern', async () => {
      const server = transportServer(app, TcpServer);
      const before = server.droppedMessages;
      const raw = await probe();
      raw.send({ pattern: 'no.such.event', data: {} });
      for (let i = 0; i < 100 && server.droppedMessages === before; i++) await new Promise((r) => setTimeout(r, 10));
      expect(server.droppedMessages).toBe(before + 1);
    });

    it('should answer INVALID_ARGUMENT with the violations for wrong payload types', async () => {
      const raw = await probe();
      const created = app.get(OrdersController).created.length;
      const reply = await raw.request({ id: 'types', pattern: 'orders.create', data: { sku: 42, quantity: '3' } });
      expect(reply).toMatchObject({ err: { code: 'INVALID_ARGUMENT', message: 'validation failed' } });
      expect((reply.err as { details: string[] }).details).toHaveLength(2);
      expect(app.get(OrdersController).created.length).toBe(created);
    });

    it('should give TcpClient callers a ProtocolError for wrong types and unknown patterns', async () => {
      const client = new TcpClient({ port, timeoutMs: 2000 });
      try {
        const invalid = await lastValueFrom(client.send('orders.create', { sku: 'A', quantity: 0 })).catch((e: unknown) => e);
        expect(invalid).toBeInstanceOf(ProtocolError);
        expect(invalid).toMatchObject({ code: 'INVALID_ARGUMENT' });
        const unknown = await lastValueFrom(client.send('no.such.pattern', {})).catch((e: unknown) => e);
        expect(unknown).toMatchObject({ code: 'NOT_FOUND' });
      } finally {
        await client.close();
      }
    });

    it('should refuse an expired deadline with DEADLINE_EXCEEDED without running the handler', async () => {
      const raw = await probe();
      const before = echoCount(app);
      const reply = await raw.request({ id: 'late', pattern: 'echo', data: {}, metadata: { 'x-orion-timeout-ms': '-5' } });
      expect(reply).toMatchObject({ err: { code: 'DEADLINE_EXCEEDED' } });
      const absolute = await raw.request({
        id: 'late2',
        pattern: 'echo',
        data: {},
        metadata: { 'x-orion-deadline': String(Date.now() - 1000) },
      });
      expect(absolute).toMatchObject({ err: { code: 'DEADLINE_EXCEEDED' } });
      expect(echoCount(app)).toBe(before);
    });
  });

  describe('fuzz', () => {
    it(`should answer or close for ${FUZZ_COUNT} random and mutated inputs, each followed by a good request`, async () => {
      const seeds = [
        '{"id":"f","pattern":"echo","data":{"text":"fuzz"},"metadata":{"x-correlation-id":"c"}}',
        '{"id":"f","pattern":"orders.create","data":{"sku":"A","quantity":2}}',
        '{"pattern":"audit","data":[1,2,{"a":null}]}',
      ];
      await fuzzLoop(
        'tcp',
        FUZZ_SEED,
        FUZZ_COUNT,
        async (fuzzer) => {
          const raw = await TcpProbe.open(port);
          try {
            const valid = fuzzer.pick(seeds);
            const input = fuzzer.pick([
              () => fuzzer.bytes(64),
              () => Buffer.from(fuzzer.text(64)),
              () => fuzzer.mutate(Buffer.from(`${valid.length}#${valid}`)),
              () => Buffer.from(`${fuzzer.int(2 ** 31)}#${fuzzer.text(32)}`),
            ])();
            raw.write(input);
            raw.send({ id: 'after-fuzz', pattern: 'echo', data: { text: 'good' } });
            // Never hangs: either the framing survived and the good request is answered,
            // or the server refused the connection (at the latest after frameTimeoutMs).
            const until = Date.now() + FRAME_TIMEOUT_MS + 2000;
            while (!raw.isClosed && !raw.packets.some((p) => p.id === 'after-fuzz')) {
              if (Date.now() > until) throw new Error(`neither answered nor closed; input ${JSON.stringify(input.toString('latin1'))}`);
              await new Promise((r) => setTimeout(r, 5));
            }
            for (const packet of raw.packets.filter((p) => 'err' in p)) {
              expect(packet.err).toMatchObject({ code: expect.any(String), status: expect.any(Number), message: expect.any(String) });
            }
          } finally {
            raw.close();
          }
        },
        25,
      );
      expect(isPrototypePolluted()).toBe(false);
    });
  });
});
