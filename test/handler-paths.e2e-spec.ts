// Behaviour both handler paths must share (issue 13). The e2e project runs it on the direct
// path, the e2e-nest-path project with ORION_HANDLER_PATH=nest (every endpoint through Nest's
// interceptor pipeline): the same assertions hold on both.
import 'reflect-metadata';
import { CanActivate, Controller, Injectable, Module, UseGuards, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { ClientTCP } from '@nestjs/microservices';
import { lastValueFrom, of, toArray } from 'rxjs';
import {
  currentProtocolMessage,
  Endpoint,
  Msg,
  MsgContext,
  ProtocolError,
  ProtocolsModule,
  startProtocols,
  type BoundAddresses,
  type ProtocolMessage,
} from '@orion/protocols';
import { FrameClient, RawTcpClient } from './harness/clients';

@Injectable()
class DenyGuard implements CanActivate {
  canActivate(): boolean {
    return false;
  }
}

@Controller()
class PathsController {
  @Endpoint('paths.echo')
  echo(@Msg() payload: unknown, @MsgContext() message: ProtocolMessage) {
    return { payload, id: message.id, current: currentProtocolMessage()?.id, correlationId: message.headers['x-correlation-id'] };
  }

  @Endpoint('paths.field')
  field(@Msg('a') a: unknown) {
    return { a };
  }

  @Endpoint('paths.async')
  async afterAwait(@MsgContext() message: ProtocolMessage) {
    await new Promise((resolve) => setImmediate(resolve));
    return { isSame: currentProtocolMessage() === message };
  }

  @Endpoint('paths.stream', { protocols: ['tcp'] })
  stream() {
    return of(1, 2, 3);
  }

  @Endpoint('paths.fail')
  fail() {
    throw ProtocolError.notFound('no such thing');
  }

  @Endpoint('paths.crash')
  crash() {
    throw new Error('secret detail');
  }

  @Endpoint('paths.slow', { protocols: ['tcp'] })
  async slow() {
    // Outlives any deadline the test sends; released when the suite ends (no timer).
    await new Promise<void>((release) => heldCalls.push(release));
    return 'late';
  }

  @Endpoint('paths.guarded')
  @UseGuards(DenyGuard)
  guarded() {
    return 'ran';
  }
}

@Module({
  imports: [ProtocolsModule.forRoot({ http: { port: 0 }, ws: {}, tcp: { port: 0 }, logRequests: false })],
  controllers: [PathsController],
})
class PathsModule {}

/** Calls of `paths.slow` still held; released in afterAll. */
const heldCalls: (() => void)[] = [];

describe(`handler paths (ORION_HANDLER_PATH=${process.env.ORION_HANDLER_PATH ?? 'unset: direct where possible'})`, () => {
  let app: INestApplication;
  let addresses: BoundAddresses;
  let tcp: RawTcpClient;
  let ws: FrameClient;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({ imports: [PathsModule] }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    addresses = await startProtocols(app);
    tcp = await RawTcpClient.open(addresses.tcp!.port);
    ws = await FrameClient.open(addresses.ws!.url);
  });

  afterAll(async () => {
    heldCalls.splice(0).forEach((release) => release());
    tcp?.close();
    ws?.close();
    await app?.close();
  });

  it('should make the TCP packet id the message id, current inside the handler', async () => {
    const reply = await tcp.request({ id: 'pkt-7', pattern: 'paths.echo', data: { x: 1 } });
    expect(reply).toMatchObject({ id: 'pkt-7', isDisposed: true, response: { payload: { x: 1 }, id: 'pkt-7', current: 'pkt-7' } });
    expect((reply.response as { correlationId: string }).correlationId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('should keep a sane correlation id and read one property with @Msg(field)', async () => {
    const reply = await tcp.request({ id: 'c1', pattern: 'paths.echo', data: 1, metadata: { 'x-correlation-id': 'corr-1' } });
    expect(reply.response).toMatchObject({ correlationId: 'corr-1' });
    expect(await tcp.request({ id: 'f1', pattern: 'paths.field', data: { a: [2] } })).toMatchObject({ response: { a: [2] } });
  });

  it('should keep currentProtocolMessage() across await in an async handler', async () => {
    expect(await tcp.request({ id: 'a1', pattern: 'paths.async', data: null })).toMatchObject({ response: { isSame: true } });
    expect(await ws.request({ id: 'a2', pattern: 'paths.async', data: null })).toMatchObject({ data: { isSame: true } });
  });

  it("should send every value of an observable, as Nest's ClientTCP expects", async () => {
    const client = new ClientTCP({ host: '127.0.0.1', port: addresses.tcp!.port });
    try {
      expect(await lastValueFrom(client.send('paths.stream', {}).pipe(toArray()))).toEqual([1, 2, 3]);
    } finally {
      client.close();
    }
  });

  it('should answer thrown errors in Orion shape with the correlation id, on TCP and WebSocket', async () => {
    const headers = { 'x-correlation-id': 'corr-err' };
    const overTcp = await tcp.request({ id: 'e1', pattern: 'paths.fail', data: null, metadata: headers });
    expect(overTcp).toMatchObject({
      id: 'e1',
      isDisposed: true,
      err: { code: 'NOT_FOUND', message: 'no such thing', correlationId: 'corr-err' },
    });
    const overWs = await ws.request({ id: 'e2', pattern: 'paths.fail', data: null, headers });
    expect(overWs).toEqual({ id: 'e2', error: { code: 'NOT_FOUND', status: 5, message: 'no such thing', correlationId: 'corr-err' } });
    const crash = await ws.request({ id: 'e3', pattern: 'paths.crash', data: null, headers });
    expect(crash).toEqual({ id: 'e3', error: { code: 'INTERNAL', status: 13, message: 'internal error', correlationId: 'corr-err' } });
  });

  it('should answer DEADLINE_EXCEEDED when the handler outlives the caller’s budget', async () => {
    const reply = await tcp.request({ id: 'd1', pattern: 'paths.slow', data: null, metadata: { 'x-orion-timeout-ms': '50' } }, 8000);
    expect(reply).toMatchObject({ id: 'd1', err: { code: 'DEADLINE_EXCEEDED' } });
    const spent = await tcp.request({ id: 'd2', pattern: 'paths.echo', data: null, metadata: { 'x-orion-timeout-ms': '0' } });
    expect(spent).toMatchObject({ id: 'd2', err: { code: 'DEADLINE_EXCEEDED' } });
  });

  it("should run an endpoint's guards (such endpoints keep Nest's pipeline)", async () => {
    // Nest's RPC guard refusal is an RpcException('Forbidden resource'), which Orion maps to UNKNOWN.
    const refusal = { code: 'UNKNOWN', message: 'Forbidden resource' };
    expect(await tcp.request({ id: 'g1', pattern: 'paths.guarded', data: null })).toMatchObject({ err: refusal });
    expect(await ws.request({ id: 'g2', pattern: 'paths.guarded', data: null })).toMatchObject({ error: refusal });
  });
});
