import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

type Packet = Record<string, unknown>;

async function until<T>(check: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function openSocket(port: number, host = '127.0.0.1'): Promise<Socket> {
  const socket = connect(port, host);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  return socket;
}

/**
 * A raw TCP peer for Nest's framing (`<length>#<json>`, length in characters as Nest's
 * JsonSocket counts them): writes anything, records every reply packet and when the
 * server closed the connection.
 */
export class TcpProbe {
  readonly packets: Packet[] = [];
  closedAt?: number;
  readonly openedAt = Date.now();
  private text = '';

  private constructor(readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.onData(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => (this.closedAt = Date.now()));
  }

  static async open(port: number): Promise<TcpProbe> {
    return new TcpProbe(await openSocket(port));
  }

  get isClosed(): boolean {
    return this.closedAt !== undefined;
  }

  write(data: string | Buffer): void {
    if (!this.socket.destroyed) this.socket.write(data);
  }

  send(packet: unknown): void {
    const json = JSON.stringify(packet);
    this.write(`${json.length}#${json}`);
  }

  /** The first reply (response or error) to `id`. */
  async reply(id: string, timeoutMs = 3000): Promise<Packet> {
    return until(() => this.packets.find((p) => p.id === id && ('response' in p || 'err' in p)), timeoutMs, `a TCP reply to ${id}`);
  }

  async request(packet: Packet & { id: string }, timeoutMs = 3000): Promise<Packet> {
    this.send(packet);
    return this.reply(packet.id, timeoutMs);
  }

  /** Next packet matching `predicate`. */
  async packet(predicate: (p: Packet) => boolean, timeoutMs = 3000): Promise<Packet> {
    return until(() => this.packets.find(predicate), timeoutMs, 'a matching TCP packet');
  }

  /** Milliseconds from `since` until the server closed the connection. */
  async closed(timeoutMs = 3000, since = Date.now()): Promise<number> {
    const at = await until(() => this.closedAt, timeoutMs, 'the server to close the TCP connection');
    return at - since;
  }

  close(): void {
    this.socket.destroy();
  }

  private onData(chunk: string): void {
    this.text += chunk;
    for (;;) {
      const hash = this.text.indexOf('#');
      if (hash < 0) return;
      const length = Number(this.text.slice(0, hash));
      if (this.text.length - hash - 1 < length) return;
      const json = this.text.slice(hash + 1, hash + 1 + length);
      this.text = this.text.slice(hash + 1 + length);
      this.packets.push(JSON.parse(json) as Packet);
    }
  }
}

/** A client frame as browsers send it (masked), for raw WebSocket tests. */
export function maskedFrame(opcode: number, payload: Buffer, isFinal = true): Buffer {
  const mask = randomBytes(4);
  const length = payload.length;
  const header =
    length < 126
      ? Buffer.from([(isFinal ? 0x80 : 0) | opcode, 0x80 | length])
      : Buffer.from([(isFinal ? 0x80 : 0) | opcode, 0x80 | 126, length >> 8, length & 0xff]);
  const body = Buffer.from(payload.map((byte, i) => byte ^ mask[i % 4]));
  return Buffer.concat([header, mask, body]);
}

/**
 * A WebSocket connection opened by hand (no client library), so tests can send bytes no
 * library would: garbage frames, bad opcodes, unmasked frames. Records raw server bytes.
 */
export class RawWebSocket {
  received = Buffer.alloc(0);
  closedAt?: number;

  private constructor(
    readonly socket: Socket,
    readonly status: number,
  ) {
    socket.on('data', (chunk: Buffer) => (this.received = Buffer.concat([this.received, chunk])));
    socket.on('error', () => undefined);
    socket.on('close', () => (this.closedAt = Date.now()));
  }

  /** Upgrades `ws://host:port/path`; resolves with the HTTP status of the handshake. */
  static async open(url: string, extraHeaders: Record<string, string> = {}): Promise<RawWebSocket> {
    const { hostname, port, pathname } = new URL(url);
    const socket = await openSocket(Number(port), hostname);
    const headers = {
      Host: `${hostname}:${port}`,
      Upgrade: 'websocket',
      Connection: 'Upgrade',
      'Sec-WebSocket-Key': randomBytes(16).toString('base64'),
      'Sec-WebSocket-Version': '13',
      ...extraHeaders,
    };
    const head = Object.entries(headers)
      .map(([k, v]) => `${k}: ${v}`)
      .join('\r\n');
    socket.write(`GET ${pathname} HTTP/1.1\r\n${head}\r\n\r\n`);
    let response = Buffer.alloc(0);
    const status = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no handshake response')), 3000);
      const onData = (chunk: Buffer) => {
        response = Buffer.concat([response, chunk]);
        const end = response.indexOf('\r\n\r\n');
        if (end < 0) return;
        clearTimeout(timer);
        socket.off('data', onData);
        // Bytes after the handshake (a frame sent at once) are kept below.
        socket.unshift(response.subarray(end + 4));
        resolve(Number(response.subarray(0, end).toString().split(' ')[1]));
      };
      socket.on('data', onData);
      socket.once('close', () => resolve(Number(response.toString().split(' ')[1]) || 0));
    });
    return new RawWebSocket(socket, status);
  }

  write(bytes: Buffer): void {
    if (!this.socket.destroyed) this.socket.write(bytes);
  }

  /** The close code of the server's close frame, if it sent one. */
  closeCode(): number | undefined {
    const buffer = this.received;
    let offset = 0;
    while (offset + 2 <= buffer.length) {
      const opcode = buffer[offset] & 0x0f;
      let length = buffer[offset + 1] & 0x7f;
      let start = offset + 2;
      if (length === 126) {
        length = buffer.readUInt16BE(offset + 2);
        start += 2;
      } else if (length === 127) {
        return undefined;
      }
      if (opcode === 0x8) return length >= 2 ? buffer.readUInt16BE(start) : 1005;
      offset = start + length;
    }
    return undefined;
  }

  async closed(timeoutMs = 3000): Promise<void> {
    await until(() => this.closedAt, timeoutMs, 'the server to close the WebSocket');
  }

  close(): void {
    this.socket.destroy();
  }
}

/**
 * Writes raw bytes to a port and resolves with everything received until the server
 * closes or ends the connection (or `timeoutMs` passes).
 */
export async function rawExchange(port: number, bytes: string | Buffer, timeoutMs = 3000): Promise<string> {
  const socket = await openSocket(port);
  let received = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => (received += chunk));
  socket.on('error', () => undefined);
  socket.write(bytes);
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => (socket.destroy(), resolve()), timeoutMs);
    const done = () => (clearTimeout(timer), socket.destroy(), resolve());
    socket.once('close', done);
    socket.once('end', done);
  });
  return received;
}

export { until };
