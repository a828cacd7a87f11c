import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { TcpFrameSocket, type TcpFrameSocketOptions } from './tcp-frame.socket';

/** A connected loopback pair: the framing socket on the server side, a raw peer on the other. */
async function pair(options: Partial<TcpFrameSocketOptions> = {}) {
  let accepted!: Socket;
  const server: Server = createServer((socket) => (accepted = socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const peer = connect((server.address() as AddressInfo).port, '127.0.0.1');
  await new Promise<void>((resolve) => peer.once('connect', resolve));
  while (!accepted) await new Promise((r) => setImmediate(r));
  const refused: string[] = [];
  const framing = new TcpFrameSocket(accepted, {
    maxFrameLength: 100,
    frameTimeoutMs: 0,
    maxSendBufferBytes: 1 << 20,
    onRefused: (error) => refused.push(error.code),
    ...options,
  });
  const messages: unknown[] = [];
  framing.on('message', (message: unknown) => messages.push(message));
  let received = '';
  let isClosed = false;
  peer.setEncoding('utf8');
  peer.on('data', (chunk: string) => (received += chunk));
  peer.on('close', () => (isClosed = true));
  peer.on('error', () => undefined);
  // Waits until nothing has changed for 60 ms (at most 2 s): a fixed sleep is flaky on a busy machine.
  const state = () => `${received.length}/${messages.length}/${refused.length}/${isClosed}`;
  const settle = async () => {
    const until = Date.now() + 2000;
    let [last, stableFor] = [state(), 0];
    while (stableFor < 3 && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 20));
      const now = state();
      stableFor = now === last ? stableFor + 1 : 0;
      last = now;
    }
  };
  const close = () => (peer.destroy(), accepted.destroy(), server.close());
  return { framing, peer, messages, refused, received: () => received, isClosed: () => isClosed, settle, close };
}

describe('TcpFrameSocket', () => {
  describe('handleData', () => {
    it('should emit frames split across reads and pipelined in one read', async () => {
      const t = await pair();
      t.peer.write('7#{"a":');
      await t.settle();
      t.peer.write('1}7#{"b":2}');
      await t.settle();
      expect(t.messages).toEqual([{ a: 1 }, { b: 2 }]);
      t.close();
    });

    it.each(['x#{}', '-1#{}', '#{}', '12345678901#'])('should refuse the prefix %p with INVALID_ARGUMENT and close', async (input) => {
      const t = await pair();
      t.peer.write(input);
      await t.settle();
      expect(t.refused).toEqual(['INVALID_ARGUMENT']);
      expect(t.received()).toMatch(/^\d+#\{"id":null,"err":\{"code":"INVALID_ARGUMENT"/);
      expect(t.isClosed()).toBe(true);
      t.close();
    });

    it('should refuse a declared length over the limit before the body arrives', async () => {
      const t = await pair();
      t.peer.write('101#');
      await t.settle();
      expect(t.refused).toEqual(['RESOURCE_EXHAUSTED']);
      expect(t.isClosed()).toBe(true);
      t.close();
    });

    it('should name the id it can read when the body is not JSON', async () => {
      const t = await pair();
      const body = '{"id":"q7","x":}';
      t.peer.write(`${body.length}#${body}`);
      await t.settle();
      expect(JSON.parse(t.received().slice(t.received().indexOf('#') + 1))).toMatchObject({ id: 'q7', err: { code: 'INVALID_ARGUMENT' } });
      t.close();
    });

    it('should refuse a frame that is not complete within frameTimeoutMs', async () => {
      const t = await pair({ frameTimeoutMs: 40 });
      t.peer.write('10#{"a"');
      await new Promise((r) => setTimeout(r, 120));
      expect(t.refused).toEqual(['INVALID_ARGUMENT']);
      expect(t.received()).toContain('incomplete frame');
      t.close();
    });
  });

  describe('sendMessage', () => {
    it('should frame replies by character length, as Nest clients read them', async () => {
      const t = await pair();
      t.framing.sendMessage({ id: 'r', response: 'é' });
      await t.settle();
      const json = '{"id":"r","response":"é"}';
      expect(t.received()).toBe(`${json.length}#${json}`);
      t.close();
    });

    it('should turn a reply JSON cannot encode into INTERNAL for its id', async () => {
      const t = await pair();
      const cyclic: Record<string, unknown> = { id: 'c' };
      cyclic.self = cyclic;
      t.framing.sendMessage(cyclic);
      t.framing.sendMessage({ id: 'b', response: 10n });
      await t.settle();
      const replies = t
        .received()
        .split(/\d+#(?=\{)/)
        .filter(Boolean)
        .map((json) => JSON.parse(json) as Record<string, unknown>);
      expect(replies).toEqual([
        { id: 'c', err: expect.objectContaining({ code: 'INTERNAL' }), isDisposed: true },
        { id: 'b', err: expect.objectContaining({ code: 'INTERNAL' }), isDisposed: true },
      ]);
      t.close();
    });
  });
});
