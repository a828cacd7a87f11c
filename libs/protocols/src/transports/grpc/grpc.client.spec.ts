// GrpcClient's promise-free call() path against a real @grpc/grpc-js server serving the
// generated JsonMessage proto by hand (the codec of grpc-json-message.codec.ts).
import { EventEmitter, once } from 'node:events';
import * as grpc from '@grpc/grpc-js';
import { lastValueFrom } from 'rxjs';
import { ProtocolError } from '../../errors/protocol.error';
import { isNotSentError } from '../client-call.util';
import { decodeJsonMessage, encodeJsonMessage } from './grpc-json-message.codec';
import { GrpcClient } from './grpc.client';

const method = (path: string): grpc.MethodDefinition<string, string> => ({
  path,
  requestStream: false,
  responseStream: false,
  requestSerialize: encodeJsonMessage,
  requestDeserialize: decodeJsonMessage,
  responseSerialize: encodeJsonMessage,
  responseDeserialize: decodeJsonMessage,
});

/** Echo/Echo answers its request ('' for "empty"); Echo/Hang never answers (and reports when its call starts and is cancelled). */
async function startServer() {
  const server = new grpc.Server();
  const events = new EventEmitter();
  const metadata: grpc.Metadata[] = [];
  /** Garbled: its reply is not a JsonMessage (field 1 announces more bytes than follow). */
  const garbled = { ...method('/orion.Echo/Garbled'), responseSerialize: () => Buffer.from([0x0a, 0x05, 0x41]) };
  const services = {
    Echo: method('/orion.Echo/Echo'),
    Hang: method('/orion.Echo/Hang'),
    Fail: method('/orion.Echo/Fail'),
    Garbled: garbled,
  };
  server.addService(services as grpc.ServiceDefinition, {
    Echo: (call: grpc.ServerUnaryCall<string, string>, callback: grpc.sendUnaryData<string>) => {
      metadata.push(call.metadata);
      callback(null, call.request === '"empty"' ? '' : call.request);
    },
    Fail: (_call: grpc.ServerUnaryCall<string, string>, callback: grpc.sendUnaryData<string>) =>
      callback({ code: grpc.status.PERMISSION_DENIED, details: 'not yours' }),
    Garbled: (call: grpc.ServerUnaryCall<string, string>, callback: grpc.sendUnaryData<string>) => callback(null, call.request),
    Hang: (call: grpc.ServerUnaryCall<string, string>) => {
      events.emit('started', call.request);
      call.on('cancelled', () => events.emit('cancelled', call.request));
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
  );
  return { server, port, events, metadata };
}

/** call() as a promise: [error, value]. */
function call(client: GrpcClient, pattern: string, data: unknown, options?: { timeoutMs?: number; headers?: Record<string, string> }) {
  return new Promise<[ProtocolError | undefined, unknown]>((resolve) => client.call(pattern, data, options, (e, v) => resolve([e, v])));
}

describe('GrpcClient.call', () => {
  let served: Awaited<ReturnType<typeof startServer>>;
  let client: GrpcClient;

  beforeEach(async () => {
    served = await startServer();
    client = new GrpcClient({ url: `127.0.0.1:${served.port}`, methods: { echo: { service: 'Echo', method: 'Echo' } }, timeoutMs: 10_000 });
  });

  afterEach(() => {
    client.close();
    served.server.forceShutdown();
  });

  it('should call back once with the decoded reply, the budget and per-call headers in the metadata', async () => {
    const [error, value] = await call(client, 'echo', { n: 1, text: 'ü'.repeat(100) }, { headers: { 'X-Trace': 'abc' } });
    expect(error).toBeUndefined();
    expect(value).toEqual({ n: 1, text: 'ü'.repeat(100) });
    const sent = served.metadata[0];
    expect(sent.get('x-trace')).toEqual(['abc']);
    expect(Number(sent.get('x-orion-timeout-ms')[0])).toBeGreaterThan(5_000);
  });

  it('should stamp the budget over a per-call header of the same name, once', async () => {
    await call(client, 'echo', {}, { headers: { 'x-orion-timeout-ms': '999999' }, timeoutMs: 3_000 });
    const budget = served.metadata[0].get('x-orion-timeout-ms');
    expect(budget).toHaveLength(1);
    expect(Number(budget[0])).toBeLessThanOrEqual(3_000);
  });

  it('should answer null for an empty reply and run calls made while the channel opens', async () => {
    const replies = await Promise.all([call(client, 'echo', 'empty'), call(client, 'echo', 'x')]);
    expect(replies).toEqual([
      [undefined, null],
      [undefined, 'x'],
    ]);
  });

  it('should never call back a cancelled call, and cancel it on the server', async () => {
    await call(client, 'echo', 'warm');
    const done = jest.fn();
    const started = once(served.events, 'started');
    const id = client.call('Echo/Hang', 'hang-1', undefined, done);
    await started;
    const cancelled = once(served.events, 'cancelled');
    client.cancel(id);
    // The server sees the cancellation; a later call still works and the cancelled one stays silent.
    expect(await cancelled).toEqual(['"hang-1"']);
    await expect(call(client, 'echo', 'after')).resolves.toEqual([undefined, 'after']);
    expect(done).not.toHaveBeenCalled();
  });

  it('should end calls in flight with UNAVAILABLE when the client closes', async () => {
    await call(client, 'echo', 'warm');
    const pending = call(client, 'Echo/Hang', 'hang-2');
    client.close();
    const [error] = await pending;
    expect(error?.code).toBe('UNAVAILABLE');
    expect(error?.message).toMatch(/closed/);
  });

  it('should end a call at its deadline with DEADLINE_EXCEEDED', async () => {
    const [error] = await call(client, 'Echo/Hang', 'slow', { timeoutMs: 200 });
    expect(error?.code).toBe('DEADLINE_EXCEEDED');
  });

  it('should refuse an unknown pattern (NOT_FOUND) and a payload JSON cannot encode (INVALID_ARGUMENT) before sending', async () => {
    const [unknown] = await call(client, 'nope', {});
    expect(unknown?.code).toBe('NOT_FOUND');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const [invalid] = await call(client, 'echo', cyclic);
    expect(invalid?.code).toBe('INVALID_ARGUMENT');
    expect(served.metadata).toEqual([]);
  });

  it("should fail with the server's status, and with INTERNAL for a reply that is not a JsonMessage", async () => {
    const [denied] = await call(client, 'Echo/Fail', {});
    expect(denied).toBeInstanceOf(ProtocolError);
    expect([denied?.code, denied?.message]).toEqual(['PERMISSION_DENIED', 'not yours']);
    const [garbled, value] = await call(client, 'Echo/Garbled', {});
    expect(value).toBeUndefined();
    expect(garbled?.code).toBe('INTERNAL');
    expect(garbled?.message).toMatch(/^Response message parsing error: JsonMessage: truncated field/);
    // The channel still serves calls after both.
    await expect(call(client, 'echo', 'after')).resolves.toEqual([undefined, 'after']);
  });

  it('should run send() on call(): the reply, then complete; unsubscribing cancels the call on the server', async () => {
    await expect(lastValueFrom(client.send('echo', { n: 2 }))).resolves.toEqual({ n: 2 });
    const started = once(served.events, 'started');
    const subscription = client.send('Echo/Hang', 'hang-3').subscribe({ error: () => undefined });
    await started;
    const cancelled = once(served.events, 'cancelled');
    subscription.unsubscribe();
    expect(await cancelled).toEqual(['"hang-3"']);
  });

  it('should fail a call to a closed port as UNAVAILABLE, not sent', async () => {
    const dead = new GrpcClient({ url: '127.0.0.1:1', methods: { echo: { service: 'Echo', method: 'Echo' } }, timeoutMs: 5_000 });
    const [error] = await call(dead, 'echo', {});
    dead.close();
    expect(error?.code).toBe('UNAVAILABLE');
    expect(isNotSentError(error)).toBe(true);
  });
});
