// Issue 15, point 4, on a real deployment's broker: the Mosquitto configuration of
// docs/security.md (password file, ACL file with a pattern rule for MQTT 5 reply topics,
// max_packet_size) against the same hostile clients as the embedded broker's suite.
import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { pbkdf2Sync, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect as connectTcp } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import mqtt, { type MqttClient as MqttJs } from 'mqtt';
import { generate } from 'mqtt-packet';
import { lastValueFrom } from 'rxjs';
import { MqttClient, startProtocols } from '@orion/protocols';
import { EchoFixtureModule } from './fixtures/echo.fixture';
import { findBinary, requireServerBinary, startMosquitto, type ManagedServer } from './harness/servers';

const mosquitto = requireServerBinary('mosquitto');
const describeWithMosquitto = mosquitto ? describe : describe.skip;

const MESH = { username: 'orion-mesh', password: randomBytes(18).toString('base64url') };
const KIOSK = { username: 'orion-client', password: randomBytes(18).toString('base64url') };
const MAX_PACKET_BYTES = 1024 * 1024 + 64 * 1024;

/** The ACL file of docs/security.md, with `echo` as the kiosks' request topic. */
const ACL = `
# Mesh processes: serve, call and publish events anywhere.
user ${MESH.username}
topic readwrite #

# Kiosks: send requests on their topics, read only their own replies.
user ${KIOSK.username}
topic write echo
topic read echo/reply

# Every client may read its own MQTT 5 reply topic (Orion's MqttClient: orion/replies/<client id>).
pattern read orion/replies/%c
`;

/** `mosquitto_passwd -b` when installed, else the same `$7$` lines (PBKDF2-SHA512, 101 rounds). */
function writePasswordFile(path: string, users: Array<{ username: string; password: string }>): void {
  const tool = findBinary('mosquitto_passwd');
  writeFileSync(path, '');
  for (const { username, password } of users) {
    if (tool) execFileSync(tool, ['-b', path, username, password], { stdio: 'ignore' });
    else {
      const salt = randomBytes(12);
      const hash = pbkdf2Sync(password, salt, 101, 64, 'sha512');
      writeFileSync(path, `${username}:$7$101$${salt.toString('base64')}$${hash.toString('base64')}\n`, { flag: 'a' });
    }
  }
}

describeWithMosquitto('Mosquitto with the documented password and ACL files, against hostile clients', () => {
  let broker: ManagedServer & { remove(): void };
  let app: INestApplication;
  let dir: string;
  const opened: MqttJs[] = [];

  const open = async (options: mqtt.IClientOptions): Promise<MqttJs> => {
    const connection = await mqtt.connectAsync(broker.url, { protocolVersion: 5, reconnectPeriod: 0, ...options });
    connection.on('error', () => undefined);
    opened.push(connection);
    return connection;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'orion-acl-'));
    writePasswordFile(join(dir, 'passwd'), [MESH, KIOSK]);
    writeFileSync(join(dir, 'acl'), ACL);
    broker = await startMosquitto(
      mosquitto!,
      [
        'allow_anonymous false',
        `password_file ${join(dir, 'passwd')}`,
        `acl_file ${join(dir, 'acl')}`,
        `max_packet_size ${MAX_PACKET_BYTES}`,
      ].join('\n'),
    );
    const moduleRef = await Test.createTestingModule({
      imports: [EchoFixtureModule.with({ mqtt: { url: broker.url, ...MESH } })],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await startProtocols(app);
  });

  afterAll(async () => {
    await Promise.all(opened.map((c) => c.endAsync(true).catch(() => undefined)));
    await app?.close();
    await broker?.stop();
    broker?.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  it('should refuse anonymous clients and wrong passwords', async () => {
    for (const options of [{}, { username: MESH.username, password: 'wrong' }]) {
      const code = await mqtt.connectAsync(broker.url, { protocolVersion: 5, reconnectPeriod: 0, ...options }).then(
        (c) => (opened.push(c), 0),
        (error: { code?: number }) => error.code,
      );
      expect([0x86, 0x87]).toContain(code);
    }
  });

  it("should serve a kiosk's MQTT 5 call through Orion's MqttClient (reply on orion/replies/<client id>)", async () => {
    const kiosk = new MqttClient({ url: broker.url, timeoutMs: 5000, clientId: `kiosk-${randomUUID()}`, ...KIOSK });
    try {
      await expect(lastValueFrom(kiosk.send('echo', { text: 'acl' }))).resolves.toMatchObject({ echoed: { text: 'acl' } });
    } finally {
      await kiosk.close();
    }
  });

  it("should deliver a kiosk nothing from `#`, request topics or another client's reply topic", async () => {
    // Mosquitto grants such subscriptions but checks read access per message: nothing arrives.
    const spyId = `spy-${randomUUID()}`;
    const spy = await open({ ...KIOSK, clientId: spyId });
    for (const topic of ['#', 'echo', 'orion/replies/someone-else', 'orion/replies/+', `orion/replies/${spyId}`]) {
      await spy.subscribeAsync(topic, { qos: 1 });
    }
    const first = new Promise<string>((resolve) => spy.once('message', (topic, payload) => resolve(`${topic} ${payload.toString()}`)));
    const kiosk = new MqttClient({ url: broker.url, timeoutMs: 5000, clientId: 'someone-else', ...KIOSK });
    try {
      await expect(lastValueFrom(kiosk.send('echo', { text: 'private' }))).resolves.toMatchObject({ echoed: { text: 'private' } });
    } finally {
      await kiosk.close();
    }
    // Then a message the spy may read, on its own reply topic: the first thing it gets.
    const meshClient = await open({ ...MESH, clientId: `mesh-${randomUUID()}` });
    await meshClient.publishAsync(`orion/replies/${spyId}`, 'own', { qos: 1 });
    expect(await first).toBe(`orion/replies/${spyId} own`);
  });

  it("should not deliver a kiosk's forged reply to another client", async () => {
    const victimId = `victim-${randomUUID()}`;
    const victim = await open({ ...KIOSK, clientId: victimId });
    await victim.subscribeAsync(`orion/replies/${victimId}`, { qos: 1 });
    const first = new Promise<string>((resolve) => victim.once('message', (_t, payload) => resolve(payload.toString())));
    const forger = await open({ ...KIOSK, clientId: `forger-${randomUUID()}` });
    // MQTT 5: the broker answers the forged PUBLISH with "not authorized" and drops it.
    const forged = await forger
      .publishAsync(`orion/replies/${victimId}`, JSON.stringify({ response: 'forged', isDisposed: true }), { qos: 1 })
      .then(
        () => 'delivered',
        (error: { code?: number }) => error.code,
      );
    expect(forged).toBe(0x87);
    const meshClient = await open({ ...MESH, clientId: `mesh-${randomUUID()}` });
    await meshClient.publishAsync(`orion/replies/${victimId}`, 'real', { qos: 1 });
    expect(await first).toBe('real');
  });

  it('should drop a connection that sends a packet over max_packet_size', async () => {
    const socket = connectTcp(broker.port, '127.0.0.1');
    socket.on('error', () => undefined);
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write(
      generate({
        cmd: 'connect',
        protocolId: 'MQTT',
        protocolVersion: 4,
        clean: true,
        keepalive: 30,
        clientId: `raw-${randomUUID()}`,
        username: KIOSK.username,
        password: Buffer.from(KIOSK.password),
      }),
    );
    await new Promise((resolve) => socket.once('data', resolve));
    const isClosed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    let isOpen = true;
    void isClosed.then(() => (isOpen = false));
    // A PUBLISH announcing 100 MB (remaining length as a 4-byte varint), then its body.
    socket.write(Buffer.from([0x30, 0x80, 0x80, 0x80, 0x32]));
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    let sent = 0;
    while (isOpen && sent < 100 * 1024 * 1024) {
      if (!socket.write(chunk)) await new Promise<void>((resolve) => (socket.once('drain', resolve), socket.once('close', resolve)));
      sent += chunk.length;
    }
    await isClosed;
    expect(sent).toBeLessThan(25 * 1024 * 1024);
  });
});
