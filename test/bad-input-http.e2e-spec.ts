import 'reflect-metadata';
import { Controller, Get, NotFoundException, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { startProtocols } from '@orion/protocols';
import { BadInputFixtureModule, echoCount, OrdersController } from './fixtures/orders.fixture';
import { deeplyNestedJson, FUZZ_COUNT, FUZZ_SEED, fuzzLoop, isPrototypePolluted } from './harness/fuzz';
import { rawExchange } from './harness/raw-clients';

const MAX_BODY = 512 * 1024;
const ERROR_SHAPE = { code: expect.any(String), status: expect.any(Number), message: expect.any(String) };

/** A plain Nest controller (no @Endpoint): its own 404 body must stay as it is. */
@Controller('plain')
class PlainController {
  @Get('missing')
  missing(): never {
    throw new NotFoundException({ status: 'down', details: { db: 'gone' } });
  }
}

describe('bad input over HTTP (fetch and raw sockets)', () => {
  let app: INestApplication;
  let base: string;
  let port: number;

  async function post(path: string, body: string, headers: Record<string, string> = {}) {
    const res = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, json: json as Record<string, unknown> | undefined, text };
  }

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [BadInputFixtureModule.with({ http: { port: 0, maxBodyBytes: MAX_BODY } })],
      controllers: [PlainController],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    const addresses = await startProtocols(app);
    base = addresses.http!.url;
    port = addresses.http!.port;
  });

  afterEach(async () => {
    // Whatever the test sent, the app still serves a good request.
    const ok = await post('/echo', '{"text":"still here"}');
    expect(ok).toMatchObject({ status: 200, json: { echoed: { text: 'still here' }, protocol: 'http' } });
  });

  afterAll(async () => {
    await app?.close();
  });

  describe('bodies', () => {
    it.each([
      ['malformed JSON', '{"text": "unterminated', {}],
      ['a JSON string (not an object or array)', '"hello"', {}],
      ['garbage bytes', '\u0000\u00ff#{]', {}],
    ])('should answer %s with 400 INVALID_ARGUMENT in our error shape', async (_name, body, headers) => {
      const res = await post('/echo', body, headers);
      expect(res.status).toBe(400);
      expect(res.json).toEqual({ code: 'INVALID_ARGUMENT', status: 3, message: expect.any(String) });
    });

    it('should answer an unsupported charset with 415 INVALID_ARGUMENT', async () => {
      const res = await post('/echo', '{}', { 'content-type': 'application/json; charset=latin1' });
      expect(res.status).toBe(415);
      expect(res.json).toMatchObject({ code: 'INVALID_ARGUMENT' });
    });

    it('should answer a body over maxBodyBytes with 413 RESOURCE_EXHAUSTED', async () => {
      const res = await post('/echo', JSON.stringify({ text: 'x'.repeat(MAX_BODY) }));
      expect(res.status).toBe(413);
      expect(res.json).toEqual({ code: 'RESOURCE_EXHAUSTED', status: 8, message: `request body exceeds the limit of ${MAX_BODY} bytes` });
    });

    it('should refuse a 100 MB Content-Length at once, before reading the body', async () => {
      const started = Date.now();
      const answer = await rawExchange(
        port,
        `POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${100 * 1024 * 1024}\r\nConnection: close\r\n\r\n{"a":`,
      );
      expect(answer).toMatch(/^HTTP\/1.1 413/);
      expect(answer).toContain('"code":"RESOURCE_EXHAUSTED"');
      expect(Date.now() - started).toBeLessThan(1000);
    });

    it('should not pollute prototypes through __proto__ or constructor keys in body or query', async () => {
      const res = await post(
        '/echo?__proto__[polluted]=q&constructor[prototype][polluted]=q',
        '{"__proto__":{"polluted":"b"},"constructor":{"prototype":{"polluted":"b"}},"text":"p"}',
      );
      expect(res.status).toBe(200);
      const order = await post('/orders/create', '{"sku":"A-1","quantity":2,"__proto__":{"polluted":"o"}}');
      expect(order).toMatchObject({ status: 200, json: { accepted: { sku: 'A-1', quantity: 2 } } });
      expect(isPrototypePolluted()).toBe(false);
    });

    it('should survive 100k nested arrays: 500 INTERNAL for an unserializable reply, 400 from validation', async () => {
      const deep = deeplyNestedJson(100_000);
      const echo = await post('/echo', `{"text":${deep}}`);
      expect(echo.status).toBe(500);
      expect(echo.json).toMatchObject({ code: 'INTERNAL', message: 'internal error' });
      const order = await post('/orders/create', `{"sku":${deep}}`);
      expect(order).toMatchObject({ status: 400, json: { code: 'INVALID_ARGUMENT' } });
    });
  });

  describe('unknown routes, wrong types and deadlines', () => {
    it.each([
      ['POST', '/no/such/route'],
      ['GET', '/echo'],
      ['DELETE', '/orders/create'],
      ['GET', '/%E0%A4%A'],
    ])('should answer %s %s with 404 NOT_FOUND in our error shape', async (method, path) => {
      const res = await fetch(`${base}${path}`, { method });
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ code: 'NOT_FOUND', status: 5, message: expect.stringContaining('Cannot') });
    });

    it("should leave a plain controller's own 404 body alone", async () => {
      const res = await fetch(`${base}/plain/missing`);
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ status: 'down', details: { db: 'gone' } });
    });

    it('should answer wrong payload types with 400 INVALID_ARGUMENT and the violations', async () => {
      const created = app.get(OrdersController).created.length;
      const res = await post('/orders/create?quantity=3', '{"sku":"lower case"}');
      expect(res.status).toBe(400);
      expect(res.json).toMatchObject({ code: 'INVALID_ARGUMENT', message: 'validation failed', details: expect.any(Array) });
      expect((res.json!.details as string[]).length).toBe(2);
      const text = await fetch(`${base}/orders/create`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'sku=A' });
      expect(text.status).toBe(400);
      expect(await text.json()).toMatchObject({ code: 'INVALID_ARGUMENT' });
      expect(app.get(OrdersController).created.length).toBe(created);
    });

    it('should refuse an expired deadline with 504 DEADLINE_EXCEEDED without running the handler, and ignore garbage deadlines', async () => {
      const before = echoCount(app);
      const late = await post('/echo', '{}', { 'x-orion-timeout-ms': '-1' });
      expect(late).toMatchObject({ status: 504, json: { code: 'DEADLINE_EXCEEDED' } });
      const lateAbsolute = await post('/echo', '{}', { 'x-orion-deadline': String(Date.now() - 5000) });
      expect(lateAbsolute).toMatchObject({ status: 504, json: { code: 'DEADLINE_EXCEEDED' } });
      expect(echoCount(app)).toBe(before);
      const garbage = await post('/echo', '{}', { 'x-orion-timeout-ms': 'soon', 'x-orion-deadline': '-' });
      expect(garbage.status).toBe(200);
    });
  });

  describe('connections', () => {
    it('should answer raw garbage on the socket with 400 and close it', async () => {
      const answer = await rawExchange(port, '\u0016\u0003\u0001 hello, not HTTP\r\n\r\n');
      expect(answer).toMatch(/^HTTP\/1.1 400/);
    });

    it('should serve others while a client opens a connection and never sends', async () => {
      const idle = await new Promise<import('node:net').Socket>((resolve) => {
        const socket = require('node:net').connect(port, '127.0.0.1', () => resolve(socket));
      });
      try {
        const res = await post('/echo', '{"text":"beside an idle socket"}');
        expect(res.status).toBe(200);
      } finally {
        idle.destroy();
      }
    });
  });

  describe('fuzz', () => {
    it(`should answer ${FUZZ_COUNT} random requests with a status and, for errors, our JSON error body`, async () => {
      const paths = ['/echo', '/orders/create', '/audit', '/no/such', '/echo/../orders/create', '/'];
      const contentTypes = [
        'application/json',
        'application/json; charset=utf-8',
        'text/plain',
        'application/x-www-form-urlencoded',
        'application/octet-stream',
      ];
      const validBody = Buffer.from('{"sku":"A-1","quantity":3,"note":"n"}');
      await fuzzLoop(
        'http',
        FUZZ_SEED,
        FUZZ_COUNT,
        async (fuzzer) => {
          const method = fuzzer.pick(['GET', 'POST', 'PUT', 'DELETE', 'PATCH']);
          const path = fuzzer.pick(paths) + (fuzzer.int(3) === 0 ? `?q=${encodeURIComponent(fuzzer.text(8))}` : '');
          const body = method === 'GET' ? undefined : fuzzer.int(2) === 0 ? fuzzer.bytes(128) : fuzzer.mutate(validBody);
          const headers: Record<string, string> = { 'content-type': fuzzer.pick(contentTypes) };
          if (fuzzer.int(4) === 0) headers['x-orion-timeout-ms'] = String(fuzzer.int(100) - 50);
          const res = await fetch(`${base}${path}`, { method, headers, body, signal: AbortSignal.timeout(3000) });
          const text = await res.text();
          if (res.status >= 400)
            expect({ status: res.status, body: JSON.parse(text) as unknown }).toEqual({
              status: res.status,
              body: expect.objectContaining(ERROR_SHAPE),
            });
        },
        20,
      );
      expect(isPrototypePolluted()).toBe(false);
    });
  });
});
