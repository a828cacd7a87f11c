import 'reflect-metadata';
import { createSocket } from 'node:dgram';
import { Controller, Injectable, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { lastValueFrom } from 'rxjs';
import {
  Endpoint,
  Msg,
  ProtocolError,
  startProtocols,
  UdpClient,
  UdpServer,
  UDP_DEFAULT_MAX_DATAGRAM_BYTES,
  type BoundAddresses,
} from '@orion/protocols';
import { EchoFixtureModule, Recorder } from './fixtures/echo.fixture';
import { LossyUdpProxy, RawUdpClient } from './harness/udp-client';

const EXPECTED_CHAIN = ['global:before', 'class:before', 'method:before'];
const HMAC_KEY = 'udp-e2e-shared-secret-0123456789abcdef';

/** Endpoints the fixture lacks: a slow one, one with a large reply, one not served over UDP. */
@Injectable()
class ProbeState {
  readonly runs: string[] = [];
  count(tag: string): number {
    return this.runs.filter((run) => run === tag).length;
  }
}

@Controller()
class UdpProbeController {
  constructor(private readonly state: ProbeState) {}

  @Endpoint('probe.slow', { protocols: ['udp'] })
  async slow(@Msg() payload: { tag: string; ms: number }) {
    this.state.runs.push(payload.tag);
    await new Promise((resolve) => setTimeout(resolve, payload.ms));
    return { tag: payload.tag, runs: this.state.count(payload.tag) };
  }

  @Endpoint('probe.big', { protocols: ['udp'] })
  big(@Msg() payload: { bytes: number }) {
    return 'x'.repeat(payload.bytes);
  }

  @Endpoint('probe.tcp-only', { protocols: ['tcp'] })
  tcpOnly() {
    return 'tcp';
  }
}

let sequence = 0;
function uid(prefix: string): string {
  return `${prefix}-${++sequence}-${process.pid}`;
}

async function failure(promise: Promise<unknown>): Promise<ProtocolError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ProtocolError);
  return error as ProtocolError;
}

async function freePort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

async function startApp(moduleOptions: Parameters<typeof EchoFixtureModule.with>[0], server?: UdpServer) {
  const moduleRef = await Test.createTestingModule({
    imports: [EchoFixtureModule.with(moduleOptions)],
    controllers: [UdpProbeController],
    providers: [ProbeState],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  if (server) app.connectMicroservice({ strategy: server }, { inheritAppConfig: true });
  const addresses = await startProtocols(app);
  // startProtocols starts Orion's own listeners only; a strategy connected by hand starts with the others.
  if (server) await app.startAllMicroservices();
  return { app, addresses, recorder: app.get(Recorder), probe: app.get(ProbeState) };
}

describe('echo over UDP (raw dgram sockets and UdpClient)', () => {
  let app: INestApplication;
  let addresses: BoundAddresses;
  let recorder: Recorder;
  let probe: ProbeState;
  let raw: RawUdpClient;
  let client: UdpClient;

  beforeAll(async () => {
    ({ app, addresses, recorder, probe } = await startApp({ udp: { port: 0 } }));
    raw = await RawUdpClient.open(addresses.udp!.port);
    client = new UdpClient({ port: addresses.udp!.port, timeoutMs: 2000 });
  });

  afterAll(async () => {
    raw?.close();
    await client?.close();
    await app?.close();
  });

  function lastCall() {
    return recorder.calls[recorder.calls.length - 1];
  }

  function echoRuns(text: string): number {
    return recorder.calls.filter((c) => c.kind === 'echo' && (c.payload as { text?: string })?.text === text).length;
  }

  it('should report the bound address', () => {
    expect(addresses.udp).toEqual({ host: '127.0.0.1', port: expect.any(Number) });
    expect(addresses.udp!.port).toBeGreaterThan(0);
  });

  describe('raw dgram socket', () => {
    it('should deliver payload, headers and deadline, and run middleware in order', async () => {
      const id = uid('raw');
      const reply = await raw.request({
        v: 1,
        id,
        pattern: 'echo',
        data: { text: 'udp' },
        headers: { 'x-correlation-id': 'corr-udp', 'x-orion-timeout-ms': '2000' },
      });
      expect(reply).toEqual({ v: 1, id, response: { echoed: { text: 'udp' }, protocol: 'udp', correlationId: 'corr-udp' } });
      const call = lastCall();
      expect(call).toMatchObject({ kind: 'echo', protocol: 'udp', payload: { text: 'udp' } });
      expect(call.chain).toEqual(EXPECTED_CHAIN);
      expect(call.headers['x-correlation-id']).toBe('corr-udp');
      expect(call.deadline! - Date.now()).toBeGreaterThan(1000);
    });

    it('should map handler errors to error replies without leaking internals', async () => {
      const notFound = await raw.request({ v: 1, id: uid('nf'), pattern: 'echo', data: { fail: 'not-found' } });
      expect(notFound).toMatchObject({ err: { code: 'NOT_FOUND', status: 5, message: 'no such thing' } });
      const crash = await raw.request({ v: 1, id: uid('crash'), pattern: 'echo', data: { fail: 'crash' } });
      expect(crash).toMatchObject({ err: { code: 'INTERNAL', status: 13 } });
      expect(JSON.stringify(crash)).not.toContain('secret');
    });

    it('should refuse an expired deadline before the handler runs', async () => {
      const before = recorder.calls.length;
      const reply = await raw.request({
        v: 1,
        id: uid('late'),
        pattern: 'echo',
        data: { text: 'late' },
        headers: { 'x-orion-timeout-ms': '-5' },
      });
      expect(reply).toMatchObject({ err: { code: 'DEADLINE_EXCEEDED' } });
      expect(recorder.calls.length).toBe(before);
    });

    it('should deliver an event without replying', async () => {
      const before = recorder.calls.filter((c) => c.kind === 'event').length;
      await raw.send({ v: 1, pattern: 'audit', data: { n: 'raw' }, headers: { 'x-correlation-id': 'corr-evt' } });
      await recorder.waitForEvent(before + 1);
      expect(lastCall()).toMatchObject({ kind: 'event', protocol: 'udp', payload: { n: 'raw' } });
      expect(lastCall().headers['x-correlation-id']).toBe('corr-evt');
      expect(await raw.isSilentFor(50)).toBe(true);
    });

    it('should acknowledge an event sent with an id once it ran', async () => {
      const before = recorder.calls.filter((c) => c.kind === 'event').length;
      const id = uid('ack');
      expect(await raw.request({ v: 1, id, pattern: 'audit', data: { n: 'ack' } })).toEqual({ v: 1, id, response: null });
      expect(recorder.calls.filter((c) => c.kind === 'event').length).toBe(before + 1);
    });

    it('should answer unknown patterns, and patterns not served over UDP, with NOT_FOUND', async () => {
      const unknown = uid('unknown');
      expect(await raw.request({ v: 1, id: unknown, pattern: 'nope', data: 1 })).toMatchObject({ id: unknown, err: { code: 'NOT_FOUND' } });
      expect(await raw.request({ v: 1, id: uid('tcp'), pattern: 'probe.tcp-only', data: 1 })).toMatchObject({ err: { code: 'NOT_FOUND' } });
    });

    it('should drop garbage without a reply (see hostile-udp), answer a bad shape with INVALID_ARGUMENT, and keep serving', async () => {
      await raw.sendRaw('hello, server');
      await raw.sendRaw(Buffer.from([0xff, 0x00, 0xfe, 0x01]));
      await raw.sendRaw(`{"v":1,"id":"${uid('trunc')}","pattern":"echo","data":{`);
      const missing = uid('nopattern');
      // Padded (as UdpClient pads): an unsigned sender gets no reply over 3x its request.
      const padded = JSON.stringify({ v: 1, id: missing, data: 1 }) + ' '.repeat(400);
      expect(await raw.requestRaw(missing, padded)).toMatchObject({ id: missing, err: { code: 'INVALID_ARGUMENT' } });
      const ok = await raw.request({ v: 1, id: uid('after'), pattern: 'echo', data: { text: 'still here' } });
      expect(ok).toMatchObject({ response: { echoed: { text: 'still here' } } });
      expect(await raw.isSilentFor(0)).toBe(true);
    });

    it('should answer another wire version with UNIMPLEMENTED', async () => {
      const id = uid('v2');
      const reply = await raw.request({ v: 2, id, pattern: 'echo', data: { text: 'v2' } });
      expect(reply).toMatchObject({ v: 1, id, err: { code: 'UNIMPLEMENTED', details: { supported: [1] } } });
    });

    it('should answer a datagram over the limit with RESOURCE_EXHAUSTED', async () => {
      const id = uid('huge');
      const reply = await raw.request({ v: 1, id, pattern: 'echo', data: { text: 'x'.repeat(UDP_DEFAULT_MAX_DATAGRAM_BYTES) } });
      expect(reply).toMatchObject({ id, err: { code: 'RESOURCE_EXHAUSTED' } });
    });

    it('should answer a reply that would not fit with RESOURCE_EXHAUSTED', async () => {
      const id = uid('bigreply');
      const reply = await raw.request({ v: 1, id, pattern: 'probe.big', data: { bytes: UDP_DEFAULT_MAX_DATAGRAM_BYTES } });
      expect(reply).toMatchObject({ id, err: { code: 'RESOURCE_EXHAUSTED', message: expect.stringContaining('1200-byte') } });
      const fits = await raw.request({ v: 1, id: uid('smallreply'), pattern: 'probe.big', data: { bytes: 100 } });
      expect(fits).toMatchObject({ response: 'x'.repeat(100) });
    });

    it('should never answer a reply-shaped datagram (no ping-pong between peers)', async () => {
      await raw.send({ v: 1, id: uid('reply'), err: { code: 'NOT_FOUND', status: 5, message: 'x' } });
      await raw.send({ v: 1, id: null, response: 1 });
      expect(await raw.isSilentFor(100)).toBe(true);
    });
  });

  describe('UdpClient', () => {
    it('should call the endpoint with Orion headers and map replies', async () => {
      client.setOnDispatchHook((packet) => (packet.metadata = { 'x-correlation-id': 'corr-client' }));
      try {
        const reply = await lastValueFrom(client.send('echo', { text: 'proxy' }));
        expect(reply).toEqual({ echoed: { text: 'proxy' }, protocol: 'udp', correlationId: 'corr-client' });
      } finally {
        client.setOnDispatchHook(() => undefined);
      }
      const call = lastCall();
      expect(call.chain).toEqual(EXPECTED_CHAIN);
      expect(Number(call.headers['x-orion-timeout-ms'])).toBeGreaterThan(1000);
      expect(Number(call.headers['x-orion-timeout-ms'])).toBeLessThanOrEqual(2000);
      expect(call.deadline! - Date.now()).toBeGreaterThan(1000);
    });

    it('should raise error replies as ProtocolError', async () => {
      const notFound = await failure(lastValueFrom(client.send('echo', { fail: 'not-found' })));
      expect(notFound).toMatchObject({ code: 'NOT_FOUND', message: 'no such thing' });
      const crash = await failure(lastValueFrom(client.send('echo', { fail: 'crash' })));
      expect(crash.code).toBe('INTERNAL');
      expect(crash.message).not.toContain('secret');
      expect((await failure(lastValueFrom(client.send('nope', {})))).code).toBe('NOT_FOUND');
    });

    it('should emit events', async () => {
      const before = recorder.calls.filter((c) => c.kind === 'event').length;
      await lastValueFrom(client.emit('audit', { n: 'client' }), { defaultValue: undefined });
      await recorder.waitForEvent(before + 1);
      expect(lastCall()).toMatchObject({ kind: 'event', protocol: 'udp', payload: { n: 'client' } });
      expect(lastCall().headers['x-orion-timeout-ms']).toBeDefined();
    });

    it('should refuse a request over the limit before sending anything', async () => {
      const sent = client.stats().sent;
      const error = await failure(lastValueFrom(client.send('echo', { text: 'x'.repeat(UDP_DEFAULT_MAX_DATAGRAM_BYTES) })));
      expect(error.code).toBe('RESOURCE_EXHAUSTED');
      expect(error.message).toContain('1200-byte limit');
      expect(client.stats().sent).toBe(sent);
      const event = await failure(lastValueFrom(client.emit('audit', { n: 'x'.repeat(2000) }), { defaultValue: undefined }));
      expect(event.code).toBe('RESOURCE_EXHAUSTED');
    });

    it('should raise a reply that would not fit as RESOURCE_EXHAUSTED', async () => {
      const error = await failure(lastValueFrom(client.send('probe.big', { bytes: 5000 })));
      expect(error.code).toBe('RESOURCE_EXHAUSTED');
    });

    it('should end a call to a port nobody serves with DEADLINE_EXCEEDED, on time', async () => {
      const silent = new UdpClient({ port: await freePort(), timeoutMs: 300 });
      try {
        const started = Date.now();
        const error = await failure(lastValueFrom(silent.send('echo', { text: 'lost' })));
        expect(error.code).toBe('DEADLINE_EXCEEDED');
        expect(Date.now() - started).toBeGreaterThanOrEqual(290);
        expect(Date.now() - started).toBeLessThan(1000);
      } finally {
        await silent.close();
      }
    });

    it('should end a call whose datagram is lost with DEADLINE_EXCEEDED, with a per-call timeout', async () => {
      const proxy = await LossyUdpProxy.start(addresses.udp!, { dropRequests: Number.POSITIVE_INFINITY });
      const lossy = new UdpClient({ port: proxy.port, timeoutMs: 5000 });
      try {
        const started = Date.now();
        const error = await failure(lastValueFrom(lossy.send('echo', { text: 'dropped' }, { timeoutMs: 200 })));
        expect(error.code).toBe('DEADLINE_EXCEEDED');
        expect(Date.now() - started).toBeLessThan(1000);
        expect(echoRuns('dropped')).toBe(0);
      } finally {
        await lossy.close();
        proxy.close();
      }
    });

    it('should retransmit a lost request and get the reply', async () => {
      const proxy = await LossyUdpProxy.start(addresses.udp!, { dropRequests: 2 });
      const lossy = new UdpClient({ port: proxy.port, timeoutMs: 2000, retransmit: { intervalMs: 40, maxAttempts: 5 } });
      const text = uid('retransmit');
      try {
        const reply = await lastValueFrom(lossy.send('echo', { text }));
        expect(reply).toMatchObject({ echoed: { text } });
        expect(lossy.stats().retransmitted).toBeGreaterThanOrEqual(2);
        expect(echoRuns(text)).toBe(1);
      } finally {
        await lossy.close();
        proxy.close();
      }
    });

    it('should answer a retransmission from the reply cache when the reply was lost, running the handler once', async () => {
      const proxy = await LossyUdpProxy.start(addresses.udp!, { dropReplies: 1 });
      const lossy = new UdpClient({ port: proxy.port, timeoutMs: 2000 });
      const text = uid('dedup');
      try {
        const reply = await lastValueFrom(lossy.send('echo', { text }, { retransmit: { intervalMs: 60, maxAttempts: 5 } }));
        expect(reply).toMatchObject({ echoed: { text } });
        expect(proxy.forwardedRequests).toBeGreaterThanOrEqual(2);
        expect(echoRuns(text)).toBe(1);
      } finally {
        await lossy.close();
        proxy.close();
      }
    });

    it('should ignore retransmissions while the first run is in flight', async () => {
      const tag = uid('slow');
      const retransmitted = client.stats().retransmitted;
      const result = await lastValueFrom(
        client.send<{ tag: string; runs: number }>('probe.slow', { tag, ms: 250 }, { retransmit: { intervalMs: 30, maxAttempts: 6 } }),
      );
      expect(result).toEqual({ tag, runs: 1 });
      expect(probe.count(tag)).toBe(1);
      expect(client.stats().retransmitted - retransmitted).toBe(5);
    });

    it('should answer a repeated request id from the reply cache without running it again', async () => {
      const id = uid('twice');
      const text = uid('twice-text');
      const first = await raw.request({ v: 1, id, pattern: 'echo', data: { text } });
      const second = await raw.request({ v: 1, id, pattern: 'echo', data: { text } });
      expect(second).toEqual(first);
      expect(echoRuns(text)).toBe(1);
    });
  });
});

describe('echo over UDP on IPv6 (::1)', () => {
  let app: INestApplication;
  let addresses: BoundAddresses;

  beforeAll(async () => {
    ({ app, addresses } = await startApp({ udp: { host: '::1', port: 0 } }));
  });

  afterAll(async () => {
    await app?.close();
  });

  it('should serve raw sockets and UdpClient over udp6', async () => {
    expect(addresses.udp?.host).toBe('::1');
    const raw = await RawUdpClient.open(addresses.udp!.port, '::1');
    const client = new UdpClient({ host: '::1', port: addresses.udp!.port, timeoutMs: 2000 });
    try {
      const id = uid('v6');
      expect(await raw.request({ v: 1, id, pattern: 'echo', data: { text: 'six' } })).toMatchObject({
        id,
        response: { echoed: { text: 'six' }, protocol: 'udp' },
      });
      expect(await lastValueFrom(client.send('echo', { text: 'six' }))).toMatchObject({ echoed: { text: 'six' } });
      expect((await failure(lastValueFrom(client.send('echo', { fail: 'not-found' })))).code).toBe('NOT_FOUND');
    } finally {
      raw.close();
      await client.close();
    }
  });
});

describe('echo over UDP with an HMAC key', () => {
  let app: INestApplication;
  let server: UdpServer;
  let port: number;
  let recorder: Recorder;

  beforeAll(async () => {
    server = new UdpServer({ port: 0, hmacKey: HMAC_KEY });
    ({ app, recorder } = await startApp({}, server));
    port = server.address().port;
  });

  afterAll(async () => {
    await app?.close();
  });

  it('should serve signed requests and events, and sign its replies', async () => {
    const client = new UdpClient({ port, hmacKey: HMAC_KEY, timeoutMs: 2000 });
    const raw = await RawUdpClient.open(port);
    try {
      expect(await lastValueFrom(client.send('echo', { text: 'signed' }))).toMatchObject({ echoed: { text: 'signed' } });
      const before = recorder.calls.filter((c) => c.kind === 'event').length;
      await lastValueFrom(client.emit('audit', { n: 'signed' }), { defaultValue: undefined });
      await recorder.waitForEvent(before + 1);
      const id = uid('signed-raw');
      const reply = await raw.request({ v: 1, id, pattern: 'echo', data: { text: 'raw' } }, { hmacKey: HMAC_KEY });
      expect(reply).toMatchObject({ id, response: { echoed: { text: 'raw' } } });
    } finally {
      raw.close();
      await client.close();
    }
  });

  it('should drop unsigned and wrongly signed datagrams without a reply, and count them', async () => {
    const before = server.stats();
    const unsigned = new UdpClient({ port, timeoutMs: 300 });
    const wrongKey = new UdpClient({ port, hmacKey: 'not-the-key', timeoutMs: 300 });
    const raw = await RawUdpClient.open(port);
    try {
      const [a, b] = await Promise.all([
        failure(lastValueFrom(unsigned.send('echo', { text: 'unsigned' }))),
        failure(lastValueFrom(wrongKey.send('echo', { text: 'forged' }))),
      ]);
      expect(a.code).toBe('DEADLINE_EXCEEDED');
      expect(b.code).toBe('DEADLINE_EXCEEDED');
      await raw.sendRaw('garbage');
      await raw.send({ v: 1, id: uid('unsigned-raw'), pattern: 'echo', data: { text: 'x'.repeat(3000) } });
      expect(await raw.isSilentFor(100)).toBe(true);
      const after = server.stats();
      expect(after.dropped - before.dropped).toBe(4);
      expect(after.received - before.received).toBe(4);
      expect(after.replied).toBe(before.replied);
      expect(recorder.calls.some((c) => ['unsigned', 'forged'].includes((c.payload as { text?: string })?.text ?? ''))).toBe(false);
    } finally {
      raw.close();
      await unsigned.close();
      await wrongKey.close();
    }
  });
});
