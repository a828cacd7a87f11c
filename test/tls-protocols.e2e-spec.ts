import 'reflect-metadata';
import { request as httpsRequest } from 'node:https';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { lastValueFrom, type Observable } from 'rxjs';
import WebSocket from 'ws';
import {
  GrpcClient,
  HttpClient,
  InvalidTlsOptionError,
  isNotSentError,
  ProtocolError,
  startProtocols,
  TcpClient,
  WsClient,
  type BoundAddresses,
  type ClientTlsOptions,
  type ProtocolsModuleOptions,
} from '@orion/protocols';
import { EchoFixtureModule, Recorder } from './fixtures/echo.fixture';
import { generateTestCertificates, type TestCertificates } from './harness/certificates';
import { grpcUnary } from './harness/clients';

const TIMEOUT_MS = 3000;
const GRPC_METHODS = { echo: { service: 'Echo', method: 'Echo' } };

async function startApp(options: ProtocolsModuleOptions) {
  const moduleRef = await Test.createTestingModule({ imports: [EchoFixtureModule.with(options)] }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  const addresses = await startProtocols(app);
  return { app, addresses, recorder: app.get(Recorder) };
}

/** The error a call fails with; fails the test when the call succeeds. */
async function failure(call: Observable<unknown>): Promise<ProtocolError> {
  const error = await lastValueFrom(call).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ProtocolError);
  return error as ProtocolError;
}

/** A refused TLS connection: UNAVAILABLE, and (when the client can tell) never sent. */
function expectRefused(error: ProtocolError, options: { isNotSent?: boolean } = {}) {
  expect(error.code).toBe('UNAVAILABLE');
  if (options.isNotSent !== false) {
    expect(isNotSentError(error)).toBe(true);
    expect(error.message).toMatch(/TLS handshake failed|certificate|No connection established/i);
  }
}

/** POSTs JSON over node:https (fetch cannot take a CA per request). */
function httpsPost(url: string, body: unknown, tls: ConnectionOptions): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const text = JSON.stringify(body);
    const req = httpsRequest(
      url,
      { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }, agent: false, ...tls },
      (res) => {
        let data = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (data += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: data ? JSON.parse(data) : null }));
      },
    );
    req.on('error', reject);
    req.setTimeout(TIMEOUT_MS, () => req.destroy(new Error('https request timed out')));
    req.end(text);
  });
}

/** One request frame over raw TLS with Nest's TCP framing (`<length>#<json>`). */
function tlsFrameRequest(port: number, tls: ConnectionOptions, packet: Record<string, unknown>): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, ...tls });
    let buffer = '';
    socket.setEncoding('utf8');
    socket.setTimeout(TIMEOUT_MS, () => socket.destroy(new Error('no TLS frame reply')));
    socket.once('secureConnect', () => {
      const json = JSON.stringify(packet);
      socket.write(`${json.length}#${json}`);
    });
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      const hash = buffer.indexOf('#');
      if (hash < 0) return;
      const length = Number(buffer.slice(0, hash));
      if (buffer.length - hash - 1 < length) return;
      socket.destroy();
      resolve(JSON.parse(buffer.slice(hash + 1, hash + 1 + length)) as Record<string, unknown>);
    });
    socket.once('error', reject);
    socket.once('close', () => reject(new Error('closed without a reply')));
  });
}

/** One request frame over a `ws` socket with TLS options. */
function wsRequest(url: string, tls: ConnectionOptions, frame: Record<string, unknown>): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { ...tls, handshakeTimeout: TIMEOUT_MS });
    socket.once('open', () => socket.send(JSON.stringify(frame)));
    socket.once('message', (raw) => {
      socket.close();
      resolve(JSON.parse(raw.toString()) as Record<string, unknown>);
    });
    socket.once('error', reject);
  });
}

/** A grpc-js client of the generated `orion.Echo` service with the given credentials. */
function grpcEchoClient(addresses: BoundAddresses, credentials: grpc.ChannelCredentials): grpc.Client & Record<string, Function> {
  const definition = protoLoader.loadSync(addresses.grpc!.protoPath, { keepCase: true, defaults: true });
  const orion = grpc.loadPackageDefinition(definition).orion as Record<string, grpc.ServiceClientConstructor>;
  return new orion.Echo(addresses.grpc!.url, credentials) as unknown as grpc.Client & Record<string, Function>;
}

describe('TLS on HTTP, WebSocket, TCP and gRPC', () => {
  let certs: TestCertificates;
  /** Client TLS options: trust the test CA, or the unrelated one. */
  let trusted: ClientTlsOptions;
  let untrusted: ClientTlsOptions;

  beforeAll(async () => {
    certs = await generateTestCertificates();
    trusted = { ca: certs.ca.certPath };
    untrusted = { ca: certs.otherCa.cert };
  });

  afterAll(() => certs?.remove());

  describe('server TLS: HTTPS (files), WSS on the HTTPS server, TCP (buffers), gRPC (PEM text)', () => {
    let app: INestApplication;
    let addresses: BoundAddresses;
    let recorder: Recorder;

    beforeAll(async () => {
      ({ app, addresses, recorder } = await startApp({
        http: { tls: { cert: certs.server.certPath, key: certs.server.keyPath } },
        ws: {},
        tcp: { tls: { cert: Buffer.from(certs.server.cert), key: Buffer.from(certs.server.key) } },
        grpc: { tls: { cert: certs.server.cert, key: certs.server.key } },
      }));
    });

    afterAll(async () => {
      await app?.close();
    });

    const lastCall = () => recorder.calls[recorder.calls.length - 1];

    it('should report https:// and wss:// addresses', () => {
      expect(addresses.http?.url).toBe(`https://127.0.0.1:${addresses.http!.port}`);
      expect(addresses.ws?.url).toBe(`wss://127.0.0.1:${addresses.http!.port}/ws`);
    });

    it('HTTPS: should reach the endpoint with node:https and HttpClient trusting the CA', async () => {
      const raw = await httpsPost(`${addresses.http!.url}/echo`, { text: 'https' }, { ca: certs.ca.cert });
      expect(raw).toEqual({ status: 200, body: expect.objectContaining({ echoed: { text: 'https' }, protocol: 'http' }) });
      const client = new HttpClient({ url: addresses.http!.url, tls: trusted, timeoutMs: TIMEOUT_MS });
      try {
        await expect(lastValueFrom(client.send('echo', { text: 'client' }))).resolves.toMatchObject({ protocol: 'http' });
        expect(lastCall()).toMatchObject({ protocol: 'http', payload: { text: 'client' } });
      } finally {
        client.close();
      }
    });

    it('HTTPS: should refuse clients that do not trust the server, and plain HTTP', async () => {
      for (const tls of [untrusted, undefined]) {
        const client = new HttpClient({ url: addresses.http!.url, tls, timeoutMs: TIMEOUT_MS });
        expectRefused(await failure(client.send('echo', { text: 'x' })));
        client.close();
      }
      const plain = new HttpClient({ url: addresses.http!.url.replace('https:', 'http:'), timeoutMs: TIMEOUT_MS });
      expect((await failure(plain.send('echo', {}))).code).not.toBe('OK');
      plain.close();
    });

    it('WSS (shared HTTPS server): should serve ws and WsClient trusting the CA, and refuse the others', async () => {
      const reply = await wsRequest(addresses.ws!.url, { ca: certs.ca.cert }, { id: 'w1', pattern: 'echo', data: { text: 'wss' } });
      expect(reply).toMatchObject({ id: 'w1', data: { echoed: { text: 'wss' }, protocol: 'ws' } });
      const client = new WsClient({ url: addresses.ws!.url, tls: trusted, timeoutMs: TIMEOUT_MS });
      await expect(lastValueFrom(client.send('echo', { text: 'ws client' }))).resolves.toMatchObject({ protocol: 'ws' });
      await client.close();
      const refused = new WsClient({ url: addresses.ws!.url, tls: untrusted, timeoutMs: TIMEOUT_MS });
      expectRefused(await failure(refused.send('echo', {})));
      await refused.close();
      await expect(wsRequest(addresses.ws!.url, {}, { id: 'w2', pattern: 'echo', data: {} })).rejects.toThrow(/certificate/);
    });

    it('TCP over TLS: should serve raw TLS framing and TcpClient trusting the CA, and refuse the others', async () => {
      const raw = await tlsFrameRequest(addresses.tcp!.port, { ca: certs.ca.cert }, { id: 't1', pattern: 'echo', data: { text: 'tls' } });
      expect(raw).toMatchObject({ id: 't1', response: { echoed: { text: 'tls' }, protocol: 'tcp' } });
      const client = new TcpClient({ port: addresses.tcp!.port, tls: trusted, timeoutMs: TIMEOUT_MS });
      await expect(lastValueFrom(client.send('echo', { text: 'tcp client' }))).resolves.toMatchObject({ protocol: 'tcp' });
      expect(lastCall()).toMatchObject({ protocol: 'tcp', payload: { text: 'tcp client' } });
      client.close();
      const refused = new TcpClient({ port: addresses.tcp!.port, tls: untrusted, timeoutMs: TIMEOUT_MS });
      expectRefused(await failure(refused.send('echo', {})));
      refused.close();
    });

    it('gRPC over TLS: should serve grpc-js and GrpcClient trusting the CA, and refuse the others', async () => {
      const raw = grpcEchoClient(addresses, grpc.credentials.createSsl(Buffer.from(certs.ca.cert)));
      try {
        const ok = await grpcUnary(raw, 'Echo', { json: JSON.stringify({ text: 'grpc' }) });
        expect(ok.error).toBeUndefined();
        expect(JSON.parse(String(ok.reply!.json))).toMatchObject({ echoed: { text: 'grpc' }, protocol: 'grpc' });
      } finally {
        raw.close();
      }
      const client = new GrpcClient({ url: addresses.grpc!.url, methods: GRPC_METHODS, tls: trusted, timeoutMs: TIMEOUT_MS });
      await expect(lastValueFrom(client.send('echo', { text: 'grpc client' }))).resolves.toMatchObject({ protocol: 'grpc' });
      client.close();
      const refused = new GrpcClient({ url: addresses.grpc!.url, methods: GRPC_METHODS, tls: untrusted, timeoutMs: TIMEOUT_MS });
      expectRefused(await failure(refused.send('echo', {})));
      refused.close();
      const insecure = new GrpcClient({ url: addresses.grpc!.url, methods: GRPC_METHODS, timeoutMs: TIMEOUT_MS });
      expect((await failure(insecure.send('echo', {}))).code).toBe('UNAVAILABLE');
      insecure.close();
    });
  });

  describe('mutual TLS: HTTPS, WSS on its own port, TCP and gRPC require a client certificate', () => {
    let app: INestApplication;
    let addresses: BoundAddresses;
    let withCert: ClientTlsOptions;
    let foreignCert: ClientTlsOptions;

    beforeAll(async () => {
      const tls = { cert: certs.server.certPath, key: certs.server.keyPath, ca: [certs.ca.certPath], requestClientCert: true };
      ({ app, addresses } = await startApp({ http: { tls }, ws: { port: 0, tls }, tcp: { tls }, grpc: { tls } }));
      withCert = { ca: certs.ca.cert, cert: certs.client.certPath, key: certs.client.keyPath };
      foreignCert = { ca: certs.ca.cert, cert: certs.otherClient.cert, key: certs.otherClient.key };
    });

    afterAll(async () => {
      await app?.close();
    });

    it('should serve WSS on its own port', () => {
      expect(addresses.ws?.url).toMatch(/^wss:\/\/127\.0\.0\.1:\d+\/ws$/);
      expect(addresses.ws?.port).not.toBe(addresses.http?.port);
    });

    it('HTTPS: should answer a client certificate signed by the CA only', async () => {
      const client = new HttpClient({ url: addresses.http!.url, tls: withCert, timeoutMs: TIMEOUT_MS });
      await expect(lastValueFrom(client.send('echo', { text: 'mtls' }))).resolves.toMatchObject({ protocol: 'http' });
      client.close();
      for (const tls of [trusted, foreignCert]) {
        const refused = new HttpClient({ url: addresses.http!.url, tls, timeoutMs: TIMEOUT_MS });
        expectRefused(await failure(refused.send('echo', {})), { isNotSent: false });
        refused.close();
      }
      const raw = await httpsPost(
        `${addresses.http!.url}/echo`,
        { text: 'raw' },
        { ca: certs.ca.cert, cert: certs.client.cert, key: certs.client.key },
      );
      expect(raw.status).toBe(200);
      await expect(httpsPost(`${addresses.http!.url}/echo`, {}, { ca: certs.ca.cert })).rejects.toThrow();
    });

    it('WSS: should answer a client certificate signed by the CA only', async () => {
      const client = new WsClient({ url: addresses.ws!.url, tls: withCert, timeoutMs: TIMEOUT_MS });
      await expect(lastValueFrom(client.send('echo', { text: 'mtls' }))).resolves.toMatchObject({ protocol: 'ws' });
      await client.close();
      for (const tls of [trusted, foreignCert]) {
        const refused = new WsClient({ url: addresses.ws!.url, tls, timeoutMs: TIMEOUT_MS });
        expectRefused(await failure(refused.send('echo', {})), { isNotSent: false });
        await refused.close();
      }
    });

    it('TCP: should answer a client certificate signed by the CA only', async () => {
      const client = new TcpClient({ port: addresses.tcp!.port, tls: withCert, timeoutMs: TIMEOUT_MS });
      await expect(lastValueFrom(client.send('echo', { text: 'mtls' }))).resolves.toMatchObject({ protocol: 'tcp' });
      client.close();
      for (const tls of [trusted, foreignCert]) {
        const refused = new TcpClient({ port: addresses.tcp!.port, tls, timeoutMs: TIMEOUT_MS });
        expectRefused(await failure(refused.send('echo', {})), { isNotSent: false });
        refused.close();
      }
      const raw = { ca: certs.ca.cert, cert: certs.client.cert, key: certs.client.key };
      await expect(tlsFrameRequest(addresses.tcp!.port, raw, { id: 't1', pattern: 'echo', data: {} })).resolves.toMatchObject({ id: 't1' });
    });

    it('gRPC: should answer a client certificate signed by the CA only', async () => {
      const client = new GrpcClient({ url: addresses.grpc!.url, methods: GRPC_METHODS, tls: withCert, timeoutMs: TIMEOUT_MS });
      await expect(lastValueFrom(client.send('echo', { text: 'mtls' }))).resolves.toMatchObject({ protocol: 'grpc' });
      client.close();
      for (const tls of [trusted, foreignCert]) {
        const refused = new GrpcClient({ url: addresses.grpc!.url, methods: GRPC_METHODS, tls, timeoutMs: TIMEOUT_MS });
        expectRefused(await failure(refused.send('echo', {})), { isNotSent: false });
        refused.close();
      }
      const credentials = grpc.credentials.createSsl(
        Buffer.from(certs.ca.cert),
        Buffer.from(certs.client.key),
        Buffer.from(certs.client.cert),
      );
      const raw = grpcEchoClient(addresses, credentials);
      try {
        const ok = await grpcUnary(raw, 'Echo', { json: '{"text":"raw"}' });
        expect(ok.error).toBeUndefined();
      } finally {
        raw.close();
      }
    });
  });

  describe('bad TLS options', () => {
    async function startFailure(options: ProtocolsModuleOptions): Promise<unknown> {
      const moduleRef = await Test.createTestingModule({ imports: [EchoFixtureModule.with(options)] }).compile();
      const app = moduleRef.createNestApplication({ logger: false });
      try {
        await startProtocols(app);
        return undefined;
      } catch (error) {
        return error;
      } finally {
        await app.close();
      }
    }

    it('should name the option and the path of a file that cannot be read', async () => {
      const missing = `${certs.dir}/missing.pem`;
      const error = await startFailure({ grpc: { tls: { cert: missing, key: certs.server.keyPath } } });
      expect(error).toBeInstanceOf(InvalidTlsOptionError);
      expect((error as Error).message).toContain("'grpc.tls.cert'");
      expect((error as Error).message).toContain(missing);
      expect((error as Error).message).toContain('ENOENT');
    });

    it('should refuse mutual TLS without a CA, a key that does not match, and ws.tls on the shared server', async () => {
      const server = { cert: certs.server.cert, key: certs.server.key };
      const noCa = await startFailure({ tcp: { tls: { ...server, requestClientCert: true } } });
      expect((noCa as Error).message).toContain("'tcp.tls.ca'");
      const mismatch = await startFailure({ http: { tls: { cert: certs.server.cert, key: certs.client.key } } });
      expect(mismatch).toBeInstanceOf(InvalidTlsOptionError);
      expect((mismatch as Error).message).toContain("'http.tls'");
      const shared = await startFailure({ http: {}, ws: { tls: server } });
      expect((shared as Error).message).toContain("'ws.port'");
    });

    it('should refuse client TLS options the same way', () => {
      expect(() => new TcpClient({ port: 1, tls: { ca: `${certs.dir}/nope.pem` } })).toThrow(/'tls\.ca'.*nope\.pem/);
      expect(() => new GrpcClient({ url: '127.0.0.1:1', tls: { cert: certs.client.cert } })).toThrow(InvalidTlsOptionError);
      expect(() => new WsClient({ url: 'ws://127.0.0.1:1/ws', tls: trusted })).toThrow(/wss:\/\//);
    });
  });
});
