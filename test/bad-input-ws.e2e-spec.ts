import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import WebSocket from 'ws';
import { startProtocols, WsServer, type ProtocolsModuleOptions } from '@orion/protocols';
import { BadInputFixtureModule, echoCount, OrdersController, transportServer } from './fixtures/orders.fixture';
import { FrameClient } from './harness/clients';
import { deeplyNestedJson, FUZZ_COUNT, FUZZ_SEED, fuzzLoop, isPrototypePolluted } from './harness/fuzz';
import { maskedFrame, RawWebSocket, until } from './harness/raw-clients';

const MAX_PAYLOAD = 256 * 1024;

async function startWsApp(options: ProtocolsModuleOptions): Promise<{ app: INestApplication; url: string }> {
  const moduleRef = await Test.createTestingModule({ imports: [BadInputFixtureModule.with(options)] }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  const addresses = await startProtocols(app);
  return { app, url: addresses.ws!.url };
}

/** Resolves with the close code the server sent, or rejects on timeout. */
function closeCode(socket: WebSocket, timeoutMs = 3000): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('WebSocket not closed')), timeoutMs);
    socket.once('close', (code) => (clearTimeout(timer), resolve(code)));
  });
}

/** Opens a client; resolves with it, or with the HTTP status of a refused upgrade. */
function openOrStatus(url: string): Promise<WebSocket | number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    socket.once('open', () => resolve(socket));
    socket.once('unexpected-response', (_req, res) => (resolve(res.statusCode ?? 0), socket.terminate()));
    socket.once('error', (error) => (socket.readyState === socket.CLOSED ? undefined : reject(error)));
  });
}

describe('bad input over WebSocket (ws clients and raw sockets)', () => {
  let app: INestApplication;
  let url: string;
  let client: FrameClient;

  beforeAll(async () => {
    ({ app, url } = await startWsApp({ http: { port: 0 }, ws: { maxPayloadBytes: MAX_PAYLOAD } }));
    client = await FrameClient.open(url);
  });

  afterEach(async () => {
    // Whatever the test sent, a fresh connection is still served.
    const fresh = await FrameClient.open(url);
    try {
      expect(await fresh.request({ id: 'good', pattern: 'echo', data: { text: 'still here' } })).toMatchObject({
        data: { echoed: { text: 'still here' }, protocol: 'ws' },
      });
    } finally {
      fresh.close();
    }
  });

  afterAll(async () => {
    client?.close();
    await app?.close();
  });

  describe('bad frames', () => {
    it('should answer binary garbage with INVALID_ARGUMENT and keep the connection', async () => {
      client.socket.send(Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x00]), { binary: true });
      expect(await client.nextUnmatched()).toMatchObject({
        id: null,
        error: { code: 'INVALID_ARGUMENT', message: expect.stringMatching(/binary/) },
      });
      expect(await client.request({ id: 'b1', pattern: 'echo', data: 1 })).toMatchObject({ data: { echoed: 1 } });
    });

    it.each([
      ['text that is not JSON', 'hello there', null],
      ['broken JSON naming an id', '{"id":"broken","pattern":"echo",', 'broken'],
      ['a JSON array', '[1,2,3]', null],
      ['a frame without pattern', '{"id":"nopattern","data":1}', 'nopattern'],
      ['an id of the wrong type', '{"id":{"a":1},"pattern":"echo"}', null],
    ])('should answer %s with INVALID_ARGUMENT', async (_name, text, id) => {
      client.socket.send(text);
      expect(await client.nextUnmatched()).toMatchObject({ id, error: { code: 'INVALID_ARGUMENT', status: 3 } });
    });

    it('should close with 1009 a message over maxPayloadBytes, and stay up for others', async () => {
      const big = await FrameClient.open(url);
      const closed = closeCode(big.socket);
      big.socket.send(JSON.stringify({ id: 'big', pattern: 'echo', data: 'x'.repeat(MAX_PAYLOAD) }));
      expect(await closed).toBe(1009);
      expect(await client.request({ id: 'b2', pattern: 'echo', data: 2 })).toMatchObject({ data: { echoed: 2 } });
    });

    it.each([
      ['invalid UTF-8 in a text frame', maskedFrame(0x1, Buffer.from([0xc3, 0x28])), 1007],
      ['an unknown opcode', maskedFrame(0x3, Buffer.from('x')), 1002],
      ['an unmasked client frame', Buffer.from([0x81, 0x02, 0x68, 0x69]), 1002],
      ['reserved bits set', Buffer.from([0xf1, 0x80, 0, 0, 0, 0]), 1002],
      ['a fragmented control frame', maskedFrame(0x9, Buffer.from('p'), false), 1002],
    ])('should close a connection that sends %s, without harm to other clients', async (_name, bytes, code) => {
      const raw = await RawWebSocket.open(url);
      expect(raw.status).toBe(101);
      raw.write(bytes);
      await raw.closed();
      expect(raw.closeCode()).toBe(code);
    });

    it.each([
      ['a wrong path', `/not-ws`, {}],
      ['a missing key', '/ws', { 'Sec-WebSocket-Key': 'short' }],
      ['a bad version', '/ws', { 'Sec-WebSocket-Version': '7' }],
    ])('should refuse an upgrade with %s with HTTP 400', async (_name, path, headers) => {
      const raw = await RawWebSocket.open(url.replace(/\/ws$/, path), headers);
      expect(raw.status).toBe(400);
      raw.close();
    });
  });

  describe('hostile JSON', () => {
    it('should not pollute prototypes through __proto__ or constructor keys', async () => {
      const text =
        '{"id":"proto","pattern":"echo","__proto__":{"polluted":1},"headers":{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}}},' +
        '"data":{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}}}}';
      client.socket.send(text);
      await until(() => client.unmatched.find((f) => f.id === 'proto') ?? undefined, 3000, 'the reply');
      client.unmatched.splice(0);
      expect(isPrototypePolluted()).toBe(false);
    });

    it('should survive 100k nested arrays: INTERNAL for an unserializable reply, INVALID_ARGUMENT from validation', async () => {
      const deep = deeplyNestedJson(100_000);
      client.socket.send(`{"id":"deep","pattern":"echo","data":${deep}}`);
      client.socket.send(`{"id":"deep-order","pattern":"orders.create","data":${deep}}`);
      client.socket.send(`{"id":"deep-pattern","pattern":${deep}}`);
      const replies = await until(() => (client.unmatched.length >= 3 ? client.unmatched.splice(0) : undefined), 5000, 'three replies');
      const byId = Object.fromEntries(replies.map((r) => [String(r.id), r]));
      expect(byId.deep).toMatchObject({ error: { code: 'INTERNAL' } });
      expect(byId['deep-order']).toMatchObject({ error: { code: 'INVALID_ARGUMENT' } });
      expect(byId['deep-pattern']).toMatchObject({ error: { code: 'INVALID_ARGUMENT' } });
    });
  });

  describe('unknown patterns, wrong types and deadlines', () => {
    it('should answer NOT_FOUND for an unknown pattern', async () => {
      expect(await client.request({ id: 'nf', pattern: 'no.such.pattern', data: {} })).toMatchObject({
        id: 'nf',
        error: { code: 'NOT_FOUND', status: 5 },
      });
    });

    it('should answer INVALID_ARGUMENT with the violations for wrong payload types', async () => {
      const created = app.get(OrdersController).created.length;
      const reply = await client.request({ id: 'types', pattern: 'orders.create', data: { sku: ['A'], quantity: 1.5, note: 3 } });
      expect(reply).toMatchObject({ error: { code: 'INVALID_ARGUMENT', message: 'validation failed' } });
      expect((reply.error as { details: string[] }).details).toHaveLength(3);
      expect(app.get(OrdersController).created.length).toBe(created);
    });

    it('should refuse an expired deadline with DEADLINE_EXCEEDED without running the handler', async () => {
      const before = echoCount(app);
      const reply = await client.request({ id: 'late', pattern: 'echo', data: {}, headers: { 'x-orion-timeout-ms': '-1' } });
      expect(reply).toMatchObject({ error: { code: 'DEADLINE_EXCEEDED' } });
      expect(echoCount(app)).toBe(before);
    });
  });

  describe('fuzz', () => {
    it(`should survive ${FUZZ_COUNT} random and mutated frames and raw bytes, answering a good request after each`, async () => {
      const valid = Buffer.from('{"id":"f","pattern":"orders.create","data":{"sku":"A","quantity":3},"headers":{"x-correlation-id":"c"}}');
      const fuzzClient = await FrameClient.open(url);
      try {
        await fuzzLoop('ws', FUZZ_SEED, FUZZ_COUNT, async (fuzzer, index) => {
          const mode = fuzzer.int(4);
          if (mode === 0) fuzzClient.socket.send(fuzzer.bytes(64), { binary: true });
          else if (mode === 1) fuzzClient.socket.send(fuzzer.text(64));
          else if (mode === 2) fuzzClient.socket.send(fuzzer.mutate(valid).toString('utf8'));
          else {
            const raw = await RawWebSocket.open(url);
            raw.write(fuzzer.mutate(maskedFrame(0x1, valid)));
            raw.close();
          }
          const reply = await fuzzClient.request({ id: `after-${index}`, pattern: 'echo', data: index }, 2000);
          expect(reply).toMatchObject({ data: { echoed: index } });
        });
        for (const frame of fuzzClient.unmatched.filter((f) => 'error' in f)) {
          expect(frame.error).toMatchObject({ code: expect.any(String), status: expect.any(Number), message: expect.any(String) });
        }
      } finally {
        fuzzClient.close();
      }
      expect(transportServer(app, WsServer)).toBeDefined();
      expect(isPrototypePolluted()).toBe(false);
    });
  });
});

describe('WebSocket connection limits (maxConnections, idleTimeoutMs)', () => {
  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    ({ app, url } = await startWsApp({ ws: { port: 0, maxConnections: 3, idleTimeoutMs: 800 } }));
  });

  afterAll(async () => {
    await app?.close();
  });

  it('should serve others while a client sits idle, then close the idle one with 1001', async () => {
    const idle = new WebSocket(url);
    await new Promise((resolve) => idle.once('open', resolve));
    const opened = Date.now();
    const idleClosed = closeCode(idle, 3000);
    const active = await FrameClient.open(url);
    try {
      expect(await active.request({ id: 'a', pattern: 'echo', data: 'busy' })).toMatchObject({ data: { echoed: 'busy' } });
      expect(await idleClosed).toBe(1001);
      expect(Date.now() - opened).toBeGreaterThanOrEqual(750);
    } finally {
      active.close();
    }
  });

  it('should hold maxConnections when many upgrade at once, refusing the excess with HTTP 503, and accept again when one leaves', async () => {
    await new Promise((r) => setTimeout(r, 50));
    const refusedBefore = transportServer(app, WsServer).refusedConnections;
    const burst = await Promise.all(Array.from({ length: 12 }, () => openOrStatus(url)));
    const held = burst.filter((s): s is WebSocket => s instanceof WebSocket);
    try {
      expect(held).toHaveLength(3);
      expect(burst.filter((s) => s === 503)).toHaveLength(9);
      expect(transportServer(app, WsServer).refusedConnections - refusedBefore).toBe(9);
      const leaving = held.pop()!;
      const left = closeCode(leaving);
      leaving.close();
      await left;
      await new Promise((r) => setTimeout(r, 50));
      const next = await openOrStatus(url);
      expect(next).toBeInstanceOf(WebSocket);
      (next as WebSocket).close();
    } finally {
      held.forEach((s) => s.close());
    }
  });
});
