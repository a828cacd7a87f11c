import 'reflect-metadata';
import { connect } from 'node:net';
import { Controller, Injectable, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import mqtt from 'mqtt';
import {
  Endpoint,
  Msg,
  ProtocolsModule,
  ProtocolsRuntime,
  startEmbeddedMqttBroker,
  startProtocols,
  type BoundAddresses,
  type EmbeddedMqttBroker,
  type ProtocolsStats,
} from '@orion/protocols';
import { FrameClient } from './harness/clients';
import { rawExchange, until } from './harness/raw-clients';
import { RawUdpClient } from './harness/udp-client';

/** What an app would write: a provider that injects the runtime and reads the counters. */
@Injectable()
class ListenerHealth {
  constructor(private readonly runtime: ProtocolsRuntime) {}
  snapshot(): ProtocolsStats {
    return this.runtime.stats();
  }
}

@Controller()
class StatsController {
  @Endpoint('stats.echo')
  echo(@Msg() payload: unknown) {
    return payload;
  }
}

describe('listener counters through ProtocolsRuntime.stats()', () => {
  let broker: EmbeddedMqttBroker;
  let app: INestApplication;
  let health: ListenerHealth;
  let addresses: BoundAddresses;
  let udp: RawUdpClient;

  beforeAll(async () => {
    broker = await startEmbeddedMqttBroker();
    const moduleRef = await Test.createTestingModule({
      imports: [
        ProtocolsModule.forRoot({
          http: { port: 0 },
          ws: { maxConnections: 1 },
          tcp: { port: 0 },
          udp: { port: 0 },
          mqtt: { url: broker.url, protocolVersion: 4 },
          logRequests: false,
        }),
      ],
      controllers: [StatsController],
      providers: [ListenerHealth],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    health = app.get(ListenerHealth);
  });

  afterAll(async () => {
    udp?.close();
    await app?.close();
    await broker?.close();
  });

  it('should be empty before startProtocols, and all zero once every listener is up', async () => {
    expect(health.snapshot()).toEqual({});
    addresses = await startProtocols(app);
    udp = await RawUdpClient.open(addresses.udp!.port);
    expect(health.snapshot()).toEqual({
      tcp: { droppedMessages: 0, refusedConnections: 0 },
      ws: { refusedConnections: 0 },
      mqtt: { droppedMessages: 0 },
      udp: { received: 0, replied: 0, errorReplies: 0, dropped: 0, duplicates: 0, cutReplies: 0 },
    });
  });

  it('tcp: should count a connection refused for bad framing and an event for no endpoint', async () => {
    await rawExchange(addresses.tcp!.port, 'not a frame#');
    await until(() => health.snapshot().tcp!.refusedConnections === 1 || undefined, 10_000, 'a refused TCP connection');
    const event = JSON.stringify({ pattern: 'no.such.event', data: 1 });
    const socket = connect(addresses.tcp!.port, '127.0.0.1');
    socket.on('error', () => undefined);
    socket.write(`${Buffer.byteLength(event)}#${event}`);
    await until(() => health.snapshot().tcp!.droppedMessages === 1 || undefined, 10_000, 'a dropped TCP event');
    socket.destroy();
  });

  it('udp: should count datagrams received, replied and dropped', async () => {
    const reply = await udp.request({ v: 1, id: 'u1', pattern: 'stats.echo', data: { n: 1 } });
    expect(reply).toMatchObject({ id: 'u1', response: { n: 1 } });
    await udp.sendRaw('garbage that is no datagram of ours');
    await until(() => health.snapshot().udp!.dropped === 1 || undefined, 10_000, 'a dropped datagram');
    expect(health.snapshot().udp).toMatchObject({ received: 2, replied: 1, errorReplies: 0, dropped: 1 });
  });

  it('ws: should count an upgrade refused over maxConnections', async () => {
    const first = await FrameClient.open(addresses.ws!.url);
    try {
      await expect(FrameClient.open(addresses.ws!.url)).rejects.toThrow(/503/);
      expect(health.snapshot().ws).toEqual({ refusedConnections: 1 });
    } finally {
      first.close();
    }
  });

  it('mqtt: should count a message dropped for having no reply address', async () => {
    const client = await mqtt.connectAsync(broker.url, { protocolVersion: 4, reconnectPeriod: 0 });
    try {
      await client.publishAsync('stats.echo', 'not json, no id');
    } finally {
      await client.endAsync();
    }
    await until(() => health.snapshot().mqtt!.droppedMessages === 1 || undefined, 10_000, 'a dropped MQTT message');
  });

  it('should hand out snapshots: a copy does not change as counters move on', async () => {
    const before = health.snapshot();
    await udp.sendRaw('more garbage');
    await until(() => health.snapshot().udp!.dropped === 2 || undefined, 10_000, 'a second dropped datagram');
    expect(before.udp!.dropped).toBe(1);
  });
});
