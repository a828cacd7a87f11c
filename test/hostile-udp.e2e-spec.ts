import 'reflect-metadata';
import { createSocket, type Socket } from 'node:dgram';
import { EventEmitter } from 'node:events';
import { Controller, Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { INestApplication } from '@nestjs/common';
import { lastValueFrom } from 'rxjs';
import {
  Endpoint,
  Msg,
  ProtocolsModule,
  startProtocols,
  UDP_HMAC_KEY_ENV,
  UdpClient,
  UdpServer,
  type BoundAddresses,
} from '@orion/protocols';
import { signDatagram } from './harness/udp-client';

const HMAC_KEY = 'hostile-udp-shared-secret-0123456789';

/** State a spoofed request could change. */
@Injectable()
class Counter {
  value = 0;
}

@Controller()
class ReflectorController {
  constructor(private readonly counter: Counter) {}

  /** A small request, a large reply: what a reflection attack looks for. */
  @Endpoint('inventory.list', { protocols: ['udp'] })
  list(@Msg() req: { bytes?: number }) {
    return 'x'.repeat(Math.min(Number(req?.bytes) || 900, 1000));
  }

  @Endpoint('counter.bump', { protocols: ['udp'] })
  bump() {
    return ++this.counter.value;
  }
}

@Module({ controllers: [ReflectorController], providers: [Counter] })
class ReflectorModule {}

async function startApp(): Promise<{ app: INestApplication; addresses: BoundAddresses; server: UdpServer }> {
  const moduleRef = await Test.createTestingModule({
    imports: [ProtocolsModule.forRoot({ udp: { port: 0 }, logRequests: false }), ReflectorModule],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  const addresses = await startProtocols(app);
  const server = app
    .getMicroservices()
    .map((m) => (m as unknown as { serverInstance: unknown }).serverInstance)
    .find((s) => s instanceof UdpServer);
  return { app, addresses, server: server as UdpServer };
}

/** A bare dgram socket that records every datagram it receives, bytes and all. */
class Sniffer {
  readonly received: Buffer[] = [];
  private readonly arrivals = new EventEmitter();
  private constructor(
    readonly socket: Socket,
    private readonly port: number,
  ) {
    socket.on('message', (datagram) => {
      this.received.push(datagram);
      this.arrivals.emit('count', this.received.length);
    });
  }
  static async open(port: number): Promise<Sniffer> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    return new Sniffer(socket, port);
  }
  send(datagram: string | Buffer): Promise<void> {
    return new Promise((resolve, reject) => this.socket.send(datagram, this.port, '127.0.0.1', (e) => (e ? reject(e) : resolve())));
  }
  /**
   * Resolves when `count` datagrams have arrived (on the socket's own event: no sleep, no clock;
   * a later reply proves earlier datagrams were handled). A missing one ends in jest's timeout.
   */
  waitFor(count: number): Promise<void> {
    if (this.received.length >= count) return Promise.resolve();
    return new Promise((resolve) => {
      const check = (n: number) => {
        if (n < count) return;
        this.arrivals.off('count', check);
        resolve();
      };
      this.arrivals.on('count', check);
    });
  }
  json(index: number, signed = false): Record<string, unknown> {
    return JSON.parse(this.received[index].subarray(signed ? 32 : 0).toString()) as Record<string, unknown>;
  }
  close(): void {
    this.socket.close();
  }
}

describe('hostile UDP: no reflection, no amplification, no garbage replies', () => {
  let app: INestApplication;
  let addresses: BoundAddresses;
  let server: UdpServer;
  let sniffer: Sniffer;

  beforeAll(async () => {
    ({ app, addresses, server } = await startApp());
  });

  beforeEach(async () => {
    sniffer = await Sniffer.open(addresses.udp!.port);
  });

  afterEach(() => sniffer.close());

  afterAll(async () => {
    await app?.close();
  });

  it('should send no reply to a zero-byte, binary or unparseable datagram', async () => {
    const before = server.stats();
    await sniffer.send(Buffer.alloc(0));
    await sniffer.send(Buffer.from([0xff, 0x00, 0xfe]));
    await sniffer.send('hello, server');
    await sniffer.send('{"v":1,"id":"cut","pattern":"counter.bump","da');
    await sniffer.send('[1,2,3]');
    // A good request after the garbage: its reply is the first and only datagram back.
    await sniffer.send(JSON.stringify({ v: 1, id: 'after', pattern: 'inventory.list', data: { bytes: 10 } }));
    await sniffer.waitFor(1);
    expect(sniffer.json(0)).toMatchObject({ id: 'after', response: 'x'.repeat(10) });
    const after = server.stats();
    expect(after.received - before.received).toBe(6);
    expect(after.dropped - before.dropped).toBe(5);
    expect(after.replied - before.replied).toBe(1);
    expect(sniffer.received).toHaveLength(1);
  });

  it('should never send an unsigned sender more than 3x its request', async () => {
    const before = server.stats();
    // ~100 bytes asking for ~900: the reply becomes a short RESOURCE_EXHAUSTED error.
    const request = JSON.stringify({ v: 1, id: 'amp', pattern: 'inventory.list', data: { bytes: 900, note: 'reflect me' } });
    await sniffer.send(request);
    await sniffer.waitFor(1);
    // The same request again: answered from the reply cache, under the same limit.
    await sniffer.send(request);
    await sniffer.waitFor(2);
    // 41 bytes, as in the issue: not even the short error fits 3x, so nothing goes back.
    const tiny = JSON.stringify({ v: 1, id: 't', pattern: 'inventory.list' });
    await sniffer.send(tiny);
    await sniffer.send(JSON.stringify({ v: 1, id: 'last', pattern: 'inventory.list', data: { bytes: 1 } }));
    await sniffer.waitFor(3);
    const replies = sniffer.received.map((datagram, i) => ({ bytes: datagram.length, body: sniffer.json(i) }));
    expect(replies.map((r) => r.body.id)).toEqual(['amp', 'amp', 'last']);
    for (const reply of replies.slice(0, 2)) {
      expect(reply.bytes).toBeLessThanOrEqual(3 * Buffer.byteLength(request));
      expect(reply.body).toMatchObject({ err: { code: 'RESOURCE_EXHAUSTED', message: expect.stringMatching(/hmacKey/) } });
    }
    expect(replies[2].body).toMatchObject({ response: 'x' });
    const after = server.stats();
    expect(after.cutReplies - before.cutReplies).toBe(3);
    expect(after.dropped - before.dropped).toBe(1);
  });

  it('should give the whole reply to a padded request (UdpClient pads unsigned requests)', async () => {
    const client = new UdpClient({ port: addresses.udp!.port, timeoutMs: 3000 });
    try {
      expect(await lastValueFrom(client.send('inventory.list', { bytes: 1000 }))).toBe('x'.repeat(1000));
    } finally {
      await client.close();
    }
  });
});

describe('hostile UDP: HMAC from one environment variable (ORION_UDP_HMAC_KEY)', () => {
  let app: INestApplication;
  let addresses: BoundAddresses;
  let sniffer: Sniffer;
  const saved = process.env[UDP_HMAC_KEY_ENV];

  beforeAll(async () => {
    process.env[UDP_HMAC_KEY_ENV] = HMAC_KEY;
    ({ app, addresses } = await startApp());
    sniffer = await Sniffer.open(addresses.udp!.port);
  });

  afterAll(async () => {
    if (saved === undefined) delete process.env[UDP_HMAC_KEY_ENV];
    else process.env[UDP_HMAC_KEY_ENV] = saved;
    sniffer?.close();
    await app?.close();
  });

  it('should drop spoofed unsigned requests (state unchanged) and serve signed ones in full', async () => {
    const counter = app.get(Counter);
    for (let i = 0; i < 5; i++) await sniffer.send(JSON.stringify({ v: 1, id: `spoof-${i}`, pattern: 'counter.bump' }));
    await sniffer.send(signDatagram(JSON.stringify({ v: 1, id: 'signed', pattern: 'inventory.list', data: { bytes: 1000 } }), HMAC_KEY));
    await sniffer.waitFor(1);
    expect(sniffer.json(0, true)).toMatchObject({ id: 'signed', response: 'x'.repeat(1000) });
    expect(sniffer.received).toHaveLength(1);
    expect(counter.value).toBe(0);

    // A UdpClient built with no options signs with the same variable.
    const client = new UdpClient({ port: addresses.udp!.port, timeoutMs: 3000 });
    try {
      expect(await lastValueFrom(client.send('counter.bump', {}))).toBe(1);
    } finally {
      await client.close();
    }
  });
});
