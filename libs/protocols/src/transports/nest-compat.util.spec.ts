import { ClientTCP, ServerTCP, TcpContext, type WritePacket } from '@nestjs/microservices';
import { of, type Observable } from 'rxjs';
import { createPacket, handleRequest, tcpMetadata } from './nest-compat.util';

/** The shape of a Nest 11 server: processing hooks and `send`, no `handleRequest`. */
class Nest11ShapedServer {
  readonly transportId = 'test';
  readonly events: string[] = [];

  onProcessingStartHook(_transportId: unknown, _context: unknown, done: () => Promise<void>): Promise<void> {
    this.events.push('start');
    return done();
  }

  onProcessingEndHook(): void {
    this.events.push('end');
  }

  send(stream$: Observable<unknown>, respond: (packet: WritePacket) => void): void {
    stream$.subscribe({
      next: (response) => respond({ response }),
      complete: () => respond({ isDisposed: true }),
    });
  }
}

describe('nest-compat', () => {
  it('createPacket: Nest 12 builds the packet (its dispatch hook sees it)', () => {
    const client = new ClientTCP({ port: 1 });
    const seen: unknown[] = [];
    client.setOnDispatchHook((packet) => seen.push(packet));
    expect(createPacket(client, 'greet', { name: 'Ada' })).toEqual({ pattern: 'greet', data: { name: 'Ada' } });
    expect(seen).toEqual([{ pattern: 'greet', data: { name: 'Ada' } }]);
  });

  it('createPacket: a Nest 11 client (no createPacket) gets { pattern, data }', () => {
    expect(createPacket({}, 'greet', 1)).toEqual({ pattern: 'greet', data: 1 });
  });

  it('handleRequest: on Nest 11 runs the start hook, sends the replies, then the end hook', async () => {
    const server = new Nest11ShapedServer();
    const replies: WritePacket[] = [];
    await handleRequest(
      server,
      {},
      async () => of('a', 'b'),
      (packet) => replies.push(packet),
    );
    expect(replies).toEqual([{ response: 'a' }, { response: 'b' }, { isDisposed: true }]);
    expect(server.events).toEqual(['start', 'end']);
  });

  it("handleRequest: on Nest 12 uses the server's own", async () => {
    const server = new ServerTCP({ port: 0 });
    const reply = new Promise<WritePacket>((resolve) => void handleRequest(server, {}, async () => of('a'), resolve));
    expect(await reply).toEqual({ response: 'a', isDisposed: true });
  });

  it('tcpMetadata: the headers of the packet, third argument of the TcpContext', () => {
    const context = new TcpContext([undefined as never, 'greet', { 'x-correlation-id': 'c-1' }] as ConstructorParameters<
      typeof TcpContext
    >[0]);
    expect(tcpMetadata(context)).toEqual({ 'x-correlation-id': 'c-1' });
  });
});
