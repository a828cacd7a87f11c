import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { pbkdf2Sync, randomBytes, randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import mqtt from 'mqtt';
import { lastValueFrom, type Observable } from 'rxjs';
import { isNotSentError, MqttClient, ProtocolError, startProtocols, type ClientTlsOptions, type MqttClientOptions } from '@orion/protocols';
import { EchoFixtureModule, Recorder } from './fixtures/echo.fixture';
import { generateTestCertificates, type TestCertificates } from './harness/certificates';
import { findBinary, requireServerBinary, startMosquitto, type ManagedServer } from './harness/servers';

const mosquitto = requireServerBinary('mosquitto');
const describeWithMosquitto = mosquitto ? describe : describe.skip;

const USER = 'orion';
const PASSWORD = 's3cret-pw';
const TIMEOUT_MS = 3000;

/**
 * A Mosquitto password file for one user: `mosquitto_passwd -b` when installed, else the
 * same `$7$` line (PBKDF2-SHA512, 101 rounds, 12-byte salt) written directly.
 */
function writePasswordFile(path: string, user: string, password: string): void {
  const tool = findBinary('mosquitto_passwd');
  if (tool) {
    execFileSync(tool, ['-c', '-b', path, user, password], { stdio: 'ignore' });
    return;
  }
  const salt = randomBytes(12);
  const hash = pbkdf2Sync(password, salt, 101, 64, 'sha512');
  writeFileSync(path, `${user}:$7$101$${salt.toString('base64')}$${hash.toString('base64')}\n`);
}

async function failure(call: Observable<unknown>): Promise<ProtocolError> {
  const error = await lastValueFrom(call).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ProtocolError);
  return error as ProtocolError;
}

describeWithMosquitto('MQTT over TLS (mqtts://) with client certificates and passwords, against Mosquitto', () => {
  let certs: TestCertificates;
  let broker: ManagedServer & { remove(): void };
  let url: string;
  let app: INestApplication;
  let recorder: Recorder;
  /** Trusts the test CA and presents the client certificate (files). */
  let clientTls: ClientTlsOptions;

  beforeAll(async () => {
    certs = await generateTestCertificates();
    const passwordFile = join(certs.dir, 'passwd');
    writePasswordFile(passwordFile, USER, PASSWORD);
    // The harness's listener becomes TLS: these lines follow its `listener` line.
    broker = await startMosquitto(
      mosquitto!,
      [
        `cafile ${certs.ca.certPath}`,
        `certfile ${certs.server.certPath}`,
        `keyfile ${certs.server.keyPath}`,
        'require_certificate true',
        'allow_anonymous false',
        `password_file ${passwordFile}`,
      ].join('\n'),
    );
    url = `mqtts://127.0.0.1:${broker.port}`;
    clientTls = { ca: certs.ca.certPath, cert: certs.client.certPath, key: certs.client.keyPath };
    const moduleRef = await Test.createTestingModule({
      imports: [
        EchoFixtureModule.with({
          mqtt: {
            url,
            username: USER,
            password: PASSWORD,
            tls: { ca: certs.ca.cert, cert: Buffer.from(certs.client.cert), key: certs.client.key },
          },
        }),
      ],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await startProtocols(app);
    recorder = app.get(Recorder);
  });

  afterAll(async () => {
    await app?.close();
    await broker?.stop();
    broker?.remove();
    certs?.remove();
  });

  function client(options: Partial<MqttClientOptions>): MqttClient {
    return new MqttClient({ url, username: USER, password: PASSWORD, tls: clientTls, timeoutMs: TIMEOUT_MS, ...options });
  }

  it('should reach the endpoint through the broker with MqttClient (CA, client certificate, password)', async () => {
    const orion = client({});
    try {
      const reply = await lastValueFrom(orion.send('echo', { text: 'mqtts' }));
      expect(reply).toMatchObject({ echoed: { text: 'mqtts' }, protocol: 'mqtt' });
      expect(recorder.calls[recorder.calls.length - 1]).toMatchObject({ protocol: 'mqtt', payload: { text: 'mqtts' } });
    } finally {
      await orion.close();
    }
  });

  it('should reach the endpoint with a plain mqtt.js client over TLS', async () => {
    const raw = await mqtt.connectAsync(url, {
      protocolVersion: 5,
      reconnectPeriod: 0,
      username: USER,
      password: PASSWORD,
      ca: certs.ca.cert,
      cert: certs.client.cert,
      key: certs.client.key,
    });
    try {
      const replyTopic = `replies/${randomUUID()}`;
      await raw.subscribeAsync(replyTopic);
      const reply = new Promise<Record<string, unknown>>((resolve) =>
        raw.on('message', (_topic, payload) => resolve(JSON.parse(payload.toString()) as Record<string, unknown>)),
      );
      await raw.publishAsync('echo', JSON.stringify({ id: 'r1', pattern: 'echo', data: { text: 'raw' } }), {
        qos: 1,
        properties: { responseTopic: replyTopic, correlationData: Buffer.from('r1') },
      });
      await expect(reply).resolves.toMatchObject({ id: 'r1', response: { echoed: { text: 'raw' }, protocol: 'mqtt' } });
    } finally {
      await raw.endAsync();
    }
  });

  it('should refuse a wrong password, and no credentials at all, with UNAUTHENTICATED', async () => {
    for (const credentials of [{ password: 'wrong' }, { username: undefined, password: undefined }]) {
      const orion = client(credentials);
      const error = await failure(orion.send('echo', {}));
      expect(error.code).toBe('UNAUTHENTICATED');
      await orion.close();
    }
  });

  it('should refuse a client that does not trust the broker with UNAVAILABLE, not sent', async () => {
    const orion = client({ tls: { ...clientTls, ca: certs.otherCa.cert } });
    const error = await failure(orion.send('echo', {}));
    expect(error.code).toBe('UNAVAILABLE');
    expect(isNotSentError(error)).toBe(true);
    expect(error.message).toMatch(/TLS handshake failed/);
    await orion.close();
  });

  it('should refuse a client without a certificate, or with one the CA did not sign, with UNAVAILABLE', async () => {
    const variants: ClientTlsOptions[] = [
      { ca: certs.ca.cert },
      { ca: certs.ca.cert, cert: certs.otherClient.cert, key: certs.otherClient.key },
    ];
    for (const tls of variants) {
      const orion = client({ tls });
      const error = await failure(orion.send('echo', {}));
      expect(error.code).toBe('UNAVAILABLE');
      await orion.close();
    }
  });
});
