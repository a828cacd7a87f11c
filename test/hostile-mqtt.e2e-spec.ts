// Issue 15, point 4: the embedded MQTT broker (aedes) with `auth`: real mqtt.js clients
// try what an attacker on the network would (anonymous connect, `#`, forged replies,
// client-id takeover, a 100 MB publish, a subscription flood) and fail; the mesh's own
// Orion listener and client keep working with the generated credentials.
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { connect as connectTcp, type Socket } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import mqtt, { type MqttClient as MqttJs } from 'mqtt';
import { generate } from 'mqtt-packet';
import { lastValueFrom } from 'rxjs';
import { MqttClient, startEmbeddedMqttBroker, startProtocols, type EmbeddedMqttBroker, type MqttCredentials } from '@orion/protocols';
import { TRANSPORT_CLIENTS } from '../libs/discovery/src/client/transport-clients';
import { EchoFixtureModule } from './fixtures/echo.fixture';

const SUBSCRIPTION_LIMIT = 20;
const MAX_PACKET_BYTES = 1024 * 1024 + 64 * 1024;

describe('embedded MQTT broker with auth, against hostile clients', () => {
  let broker: EmbeddedMqttBroker;
  let mesh: MqttCredentials;
  let client: MqttCredentials;
  let app: INestApplication;
  let topicBase: string;
  const opened: MqttJs[] = [];

  const open = async (options: mqtt.IClientOptions = {}): Promise<MqttJs> => {
    const connection = await mqtt.connectAsync(broker.url, { protocolVersion: 4, reconnectPeriod: 0, ...options });
    connection.on('error', () => undefined);
    opened.push(connection);
    return connection;
  };
  const refusal = (options: mqtt.IClientOptions) =>
    mqtt.connectAsync(broker.url, { protocolVersion: 4, reconnectPeriod: 0, ...options }).then(
      (c) => (opened.push(c), undefined),
      (error: { code?: number }) => error.code,
    );
  const granted = (connection: MqttJs, topic: string) =>
    connection.subscribeAsync(topic).then(
      (grants) => grants[0].qos,
      (error: { packet?: { granted?: number[] } }) => error.packet?.granted?.[0],
    );
  const closed = (connection: MqttJs) => new Promise<void>((resolve) => connection.once('close', () => resolve()));
  const nextMessage = (connection: MqttJs) =>
    new Promise<{ topic: string; body: Record<string, unknown> }>((resolve) =>
      connection.once('message', (topic, payload) => resolve({ topic, body: JSON.parse(payload.toString()) as Record<string, unknown> })),
    );

  beforeAll(async () => {
    broker = await startEmbeddedMqttBroker({
      auth: true,
      clientPublish: ['echo', 'calc', 'shop/+/orders'],
      maxSubscriptionsPerClient: SUBSCRIPTION_LIMIT,
    });
    mesh = broker.credentials!.mesh!;
    client = broker.credentials!.client!;
    const moduleRef = await Test.createTestingModule({
      imports: [EchoFixtureModule.with({ mqtt: { url: broker.url, protocolVersion: 4, ...mesh } })],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    topicBase = (await startProtocols(app)).mqtt!.topicBase;
  });

  afterAll(async () => {
    await Promise.all(opened.map((c) => c.endAsync(true).catch(() => undefined)));
    await app?.close();
    await broker?.close();
  });

  it('should generate distinct credentials and serve the mesh with them (Orion listener and client)', async () => {
    expect(mesh.username).not.toBe(client.username);
    expect(mesh.password).toMatch(/^[\w-]{20,}$/);
    const caller = new MqttClient({ url: broker.url, protocolVersion: 4, timeoutMs: 5000, ...mesh });
    try {
      await expect(lastValueFrom(caller.send('echo', { text: 'hi' }))).resolves.toMatchObject({ echoed: { text: 'hi' } });
    } finally {
      await caller.close();
    }
  });

  it("should let a balanced client's MQTT transport call an instance with the mesh user (mqttUsername/mqttPassword)", async () => {
    const endpoint = {
      protocol: 'mqtt' as const,
      host: '127.0.0.1',
      port: broker.port,
      url: broker.url,
      mqttTopicBase: topicBase,
      mqttProtocolVersion: 4 as const,
    };
    const options = { service: 'echo', transport: 'mqtt' as const, timeoutMs: 5000 };
    const withUser = TRANSPORT_CLIENTS.mqtt(endpoint, { ...options, mqttUsername: mesh.username, mqttPassword: mesh.password });
    const anonymous = TRANSPORT_CLIENTS.mqtt(endpoint, options);
    try {
      await expect(lastValueFrom(withUser.send('echo', { text: 'balanced' }))).resolves.toMatchObject({ echoed: { text: 'balanced' } });
      await expect(lastValueFrom(anonymous.send('echo', { text: 'x' }))).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    } finally {
      await withUser.close();
      await anonymous.close();
    }
  });

  it('should refuse anonymous clients and wrong passwords (CONNACK 4)', async () => {
    expect(await refusal({})).toBe(4);
    expect(await refusal({ username: mesh.username, password: `${mesh.password}x` })).toBe(4);
    expect(await refusal({ username: 'nobody', password: mesh.password })).toBe(4);
  });

  it('should let an unprivileged client call an allowed topic, and only that', async () => {
    const kiosk = await open(client);
    const id = randomUUID();
    await kiosk.subscribeAsync('echo/reply');
    const reply = nextMessage(kiosk);
    await kiosk.publishAsync('echo', JSON.stringify({ id, pattern: 'echo', data: { text: 'kiosk' } }), { qos: 1 });
    expect((await reply).body).toMatchObject({ id, response: { echoed: { text: 'kiosk' } }, isDisposed: true });
    // A topic outside `clientPublish` closes the connection.
    const gone = closed(kiosk);
    kiosk.publish('mesh.telemetry', JSON.stringify({ pattern: 'mesh.telemetry', data: {} }), { qos: 1 });
    await gone;
  });

  it('should refuse `#`, `+` and request topics to an unprivileged client (SUBACK 0x80)', async () => {
    const spy = await open(client);
    for (const topic of ['#', '+/reply', 'echo', 'shop/+/orders', 'orion/replies/someone-else', '$SYS/#']) {
      expect([topic, await granted(spy, topic)]).toEqual([topic, 128]);
    }
    // A mesh process may (it serves and watches the mesh).
    expect(await granted(await open(mesh), '#')).toBe(0);
  });

  it('should deliver a reply only to its caller and close a client that forges one', async () => {
    const responder = await open({ ...mesh, clientId: `listener-${randomUUID()}` });
    await responder.subscribeAsync('calc');
    const victim = await open(client);
    const eavesdropper = await open(client);
    const forger = await open(client);
    for (const c of [victim, eavesdropper, forger]) await c.subscribeAsync('calc/reply');
    const victimId = `victim-${randomUUID()}`;
    const request = nextMessage(responder);
    const victimReply = nextMessage(victim);
    await victim.publishAsync('calc', JSON.stringify({ id: victimId, pattern: 'calc', data: 1 }), { qos: 1 });
    expect((await request).body.id).toBe(victimId);

    // The forged answer never reaches the victim; the forger is disconnected.
    const forgerGone = closed(forger);
    forger.publish('calc/reply', JSON.stringify({ id: victimId, response: 'forged', isDisposed: true }), { qos: 1 });
    await forgerGone;

    const eavesdropped: unknown[] = [];
    eavesdropper.on('message', (_t, payload) => eavesdropped.push(JSON.parse(payload.toString())));
    responder.publish('calc/reply', JSON.stringify({ id: victimId, response: 'real', isDisposed: true }), { qos: 1 });
    expect((await victimReply).body).toEqual({ id: victimId, response: 'real', isDisposed: true });
    // The eavesdropper's own call is answered after the victim's (one broker, in order): it saw only its own.
    const ownId = `own-${randomUUID()}`;
    const ownRequest = nextMessage(responder);
    await eavesdropper.publishAsync('calc', JSON.stringify({ id: ownId, pattern: 'calc', data: 2 }), { qos: 1 });
    await ownRequest;
    const ownReply = new Promise<void>((resolve) => eavesdropper.on('message', () => eavesdropped.length && resolve()));
    responder.publish('calc/reply', JSON.stringify({ id: ownId, response: 'yours', isDisposed: true }), { qos: 1 });
    await ownReply;
    expect(eavesdropped).toEqual([{ id: ownId, response: 'yours', isDisposed: true }]);
  });

  it("should refuse a client id already connected (no takeover of a listener's session)", async () => {
    const clientId = `listener-${randomUUID()}`;
    const listener = await open({ ...mesh, clientId });
    let listenerClosed = false;
    listener.on('close', () => (listenerClosed = true));
    expect(await refusal({ ...client, clientId })).toBe(2);
    expect(await refusal({ clientId })).toBe(4);
    // The listener still has its session: it receives what is published to it.
    await listener.subscribeAsync('takeover/check');
    const received = nextMessage(listener);
    await (await open(mesh)).publishAsync('takeover/check', JSON.stringify({ still: 'here' }), { qos: 1 });
    expect((await received).body).toEqual({ still: 'here' });
    expect(listenerClosed).toBe(false);
  });

  it('should close a connection whose packet announces 100 MB as soon as the header arrives', async () => {
    const socket = await rawConnection(broker.port, client);
    const hundredMb = 100 * 1024 * 1024;
    const header = generate({ cmd: 'publish', topic: 'echo', payload: Buffer.alloc(0), qos: 0, retain: false, dup: false });
    // The fixed header of a PUBLISH whose remaining length is 100 MB, then bytes until the broker hangs up.
    const fixed = Buffer.from([header[0], ...varint(hundredMb)]);
    const isClosed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    let sent = fixed.length;
    socket.write(fixed);
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    let isOpen = true;
    void isClosed.then(() => (isOpen = false));
    while (isOpen && sent < hundredMb) {
      if (!socket.write(chunk)) await new Promise<void>((resolve) => (socket.once('drain', resolve), socket.once('close', resolve)));
      sent += chunk.length;
    }
    await isClosed;
    // The broker hung up long before the body: it never held more than a socket's buffers of it.
    expect(sent).toBeLessThan(hundredMb / 4);
  });

  it('should disconnect an mqtt.js client publishing 100 MB and keep serving everyone else', async () => {
    const publisher = await open(client);
    const gone = closed(publisher);
    publisher.publish('echo', Buffer.alloc(100 * 1024 * 1024, 0x20), { qos: 0 });
    await gone;
    const caller = new MqttClient({ url: broker.url, protocolVersion: 4, timeoutMs: 5000, ...mesh });
    try {
      await expect(lastValueFrom(caller.send('echo', { text: 'after' }))).resolves.toMatchObject({ echoed: { text: 'after' } });
    } finally {
      await caller.close();
    }
    // A packet just under the limit still passes (the limit is the payload limit plus headers).
    const under = await open(mesh);
    await under.subscribeAsync('big/topic');
    const received = new Promise<number>((resolve) => under.once('message', (_t, payload) => resolve(payload.length)));
    await under.publishAsync('big/topic', Buffer.alloc(MAX_PACKET_BYTES - 1024), { qos: 1 });
    expect(await received).toBe(MAX_PACKET_BYTES - 1024);
  });

  it('should cap the subscriptions of a client and count unsubscribed ones out', async () => {
    const flooder = await open(client);
    const grants: Array<number | undefined> = [];
    for (let i = 0; i < SUBSCRIPTION_LIMIT + 10; i++) grants.push(await granted(flooder, `shop/kiosk-${i}/orders/reply`));
    expect(grants.filter((g) => g === 0)).toHaveLength(SUBSCRIPTION_LIMIT);
    expect(grants.slice(SUBSCRIPTION_LIMIT)).toEqual(Array(10).fill(128));
    await flooder.unsubscribeAsync('shop/kiosk-0/orders/reply');
    expect(await granted(flooder, 'shop/kiosk-99/orders/reply')).toBe(0);
    // Persistent sessions (subscriptions kept after the client leaves) are for mesh processes only.
    expect(await refusal({ ...client, clean: false, clientId: `kiosk-${randomUUID()}` })).toBe(5);
  });
});

function varint(value: number): number[] {
  const bytes: number[] = [];
  do {
    let byte = value % 128;
    value = Math.floor(value / 128);
    if (value > 0) byte |= 0x80;
    bytes.push(byte);
  } while (value > 0);
  return bytes;
}

/** A raw TCP connection that sent an MQTT 3.1.1 CONNECT and got CONNACK 0. */
async function rawConnection(port: number, credentials: MqttCredentials): Promise<Socket> {
  const socket = connectTcp(port, '127.0.0.1');
  socket.on('error', () => undefined);
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  const connectPacket = generate({
    cmd: 'connect',
    protocolId: 'MQTT',
    protocolVersion: 4,
    clean: true,
    keepalive: 30,
    clientId: `raw-${randomUUID()}`,
    username: credentials.username,
    password: Buffer.from(credentials.password),
  });
  socket.write(connectPacket);
  const connack = await new Promise<Buffer>((resolve) => socket.once('data', resolve));
  expect([connack[0], connack[3]]).toEqual([0x20, 0]);
  return socket;
}
