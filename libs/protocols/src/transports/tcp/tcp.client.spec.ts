// TcpClient against a real node:net server speaking Nest's TCP framing (`<length>#<json>`).
import { createServer, Socket, type Server } from 'node:net';
import { lastValueFrom } from 'rxjs';
import { isNotSentError } from '../client-call.util';
import { ProtocolError } from '../../errors/protocol.error';
import { TcpClient } from './tcp.client';

interface Packet {
  id?: number;
  pattern: string;
  data: unknown;
  metadata?: Record<string, string>;
}

/** Echoes `echo`, never answers `hang`, closes the connection on `drop`. */
async function startFrameServer(): Promise<{ server: Server; port: number; packets: Packet[] }> {
  const packets: Packet[] = [];
  const server = createServer((socket: Socket) => {
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      text += chunk;
      for (;;) {
        const hash = text.indexOf('#');
        const length = Number(text.slice(0, hash));
        if (hash < 0 || text.length < hash + 1 + length) return;
        const packet = JSON.parse(text.slice(hash + 1, hash + 1 + length)) as Packet;
        text = text.slice(hash + 1 + length);
        packets.push(packet);
        if (packet.pattern === 'drop') return void socket.destroy();
        if (packet.pattern !== 'echo' || packet.id === undefined) continue;
        const reply = JSON.stringify({ id: packet.id, response: packet.data, isDisposed: true });
        socket.write(`${reply.length}#${reply}`);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port, packets };
}

describe(TcpClient, () => {
  let frames: Awaited<ReturnType<typeof startFrameServer>>;
  let client: TcpClient;

  beforeEach(async () => {
    frames = await startFrameServer();
    client = new TcpClient({ port: frames.port, timeoutMs: 10_000 });
  });

  afterEach(async () => {
    client.close();
    await new Promise((resolve) => frames.server.close(resolve));
  });

  it('should write each call at once, in a write of its own, and route each reply by id', async () => {
    await client.connect();
    const socket = client.unwrap<Socket>();
    const write = jest.spyOn(socket, 'write');
    const replies = await Promise.all(Array.from({ length: 50 }, (_, i) => lastValueFrom(client.send('echo', { i }))));
    expect(replies).toEqual(Array.from({ length: 50 }, (_, i) => ({ i })));
    // NOTE: one tick's calls joined into one write made client and server take turns (docs/benchmarks.md).
    expect(write).toHaveBeenCalledTimes(50);
    for (const [text] of write.mock.calls) expect((text as string).match(/"pattern":"echo"/g)).toHaveLength(1);
    expect(new Set(frames.packets.map((p) => p.id)).size).toBe(50);
    expect(frames.packets[0].metadata?.['x-orion-timeout-ms']).toBeDefined();
  });

  it('should write the calls made before the connection is up in one write once it is', async () => {
    const write = jest.spyOn(Socket.prototype, 'write');
    try {
      const replies = await Promise.all(Array.from({ length: 10 }, (_, i) => lastValueFrom(client.send('echo', { i }))));
      expect(replies).toEqual(Array.from({ length: 10 }, (_, i) => ({ i })));
      const own = write.mock.contexts.filter((socket) => socket === client.unwrap<Socket>());
      expect(own).toHaveLength(1);
      expect(frames.packets).toHaveLength(10);
    } finally {
      write.mockRestore();
    }
  });

  it('should write a call made alone before send() returns (no microtask hop at one call at a time)', async () => {
    await client.connect();
    const write = jest.spyOn(client.unwrap<Socket>(), 'write');
    for (let i = 0; i < 3; i++) {
      const reply = lastValueFrom(client.send('echo', { i }));
      expect(write).toHaveBeenCalledTimes(i + 1);
      await expect(reply).resolves.toEqual({ i });
    }
  });

  it('should end unanswered calls at their own deadlines, earliest first', async () => {
    const ended: number[] = [];
    const calls = [300, 100, 200].map((timeoutMs) =>
      lastValueFrom(client.send('hang', {}, { timeoutMs })).catch((error: ProtocolError) => {
        ended.push(timeoutMs);
        return error;
      }),
    );
    const errors = await Promise.all(calls);
    expect(errors.map((e) => (e as ProtocolError).code)).toEqual(['DEADLINE_EXCEEDED', 'DEADLINE_EXCEEDED', 'DEADLINE_EXCEEDED']);
    expect(ended).toEqual([100, 200, 300]);
  });

  it('should drop the reply of a call its caller unsubscribed from', async () => {
    const next = jest.fn();
    client.send('echo', { n: 1 }).subscribe({ next }).unsubscribe();
    await expect(lastValueFrom(client.send('echo', { n: 2 }))).resolves.toEqual({ n: 2 });
    expect(frames.packets.map((p) => p.data)).toEqual([{ n: 1 }, { n: 2 }]);
    expect(next).not.toHaveBeenCalled();
  });

  it('should fail calls in flight with UNAVAILABLE when the connection is lost, then reconnect', async () => {
    const error = (await lastValueFrom(client.send('drop', {})).catch((e: unknown) => e)) as ProtocolError;
    expect(error).toBeInstanceOf(ProtocolError);
    expect(error.code).toBe('UNAVAILABLE');
    expect(isNotSentError(error)).toBe(false);
    await expect(lastValueFrom(client.send('echo', 'again'))).resolves.toBe('again');
  });

  it('should refuse a payload JSON cannot encode as INVALID_ARGUMENT, never sent', async () => {
    let deep: unknown = {};
    for (let i = 0; i < 100_000; i++) deep = { deep };
    const error = (await lastValueFrom(client.send('echo', deep)).catch((e: unknown) => e)) as ProtocolError;
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(isNotSentError(error)).toBe(true);
    expect(frames.packets).toEqual([]);
  });

  it('should fail a call to a closed port as not sent', async () => {
    const closed = new TcpClient({ port: 1, timeoutMs: 5_000 });
    const error = (await lastValueFrom(closed.send('echo', {})).catch((e: unknown) => e)) as ProtocolError;
    expect(error.code).toBe('UNAVAILABLE');
    expect(isNotSentError(error)).toBe(true);
    closed.close();
  });

  it('should send an event without a subscriber (hot) and complete once it is written', async () => {
    await lastValueFrom(client.emit('note', { n: 1 }), { defaultValue: undefined });
    client.emit('note', { n: 2 });
    await lastValueFrom(client.send('echo', 'after'));
    expect(frames.packets.map((p) => [p.pattern, p.id])).toEqual([
      ['note', undefined],
      ['note', undefined],
      ['echo', expect.any(Number)],
    ]);
  });
});
