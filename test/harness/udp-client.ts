import { createHmac } from 'node:crypto';
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';

type Json = Record<string, unknown>;

function socketType(host: string): 'udp4' | 'udp6' {
  return isIPv6(host) ? 'udp6' : 'udp4';
}

function bind(socket: Socket, host: string, port = 0): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, host, () => {
      socket.off('error', reject);
      resolve();
    });
  });
}

/** A datagram signed as Orion's UDP transport expects: HMAC-SHA256 of the body, then the body. */
export function signDatagram(body: string | Buffer, key: string): Buffer {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body);
  return Buffer.concat([createHmac('sha256', key).update(bytes).digest(), bytes]);
}

/** A reply as JSON, with or without the 32-byte HMAC prefix (not verified here). */
function parseReply(datagram: Buffer): Json {
  for (const body of [datagram, datagram.subarray(32)]) {
    try {
      return JSON.parse(body.toString()) as Json;
    } catch {
      // Not this framing.
    }
  }
  return { unparseable: datagram.toString('base64') };
}

/**
 * A bare `node:dgram` socket speaking the wire format by hand: replies are paired with
 * requests by id; anything else queues up for `next()`.
 */
export class RawUdpClient {
  private readonly waiters = new Map<string, (reply: Json) => void>();
  private readonly unmatched: Json[] = [];

  private constructor(
    readonly socket: Socket,
    private readonly port: number,
    private readonly host: string,
  ) {
    socket.on('message', (datagram) => this.onMessage(datagram));
  }

  static async open(port: number, host = '127.0.0.1'): Promise<RawUdpClient> {
    const socket = createSocket(socketType(host));
    await bind(socket, host);
    return new RawUdpClient(socket, port, host);
  }

  sendRaw(datagram: string | Buffer): Promise<void> {
    return new Promise((resolve, reject) =>
      this.socket.send(datagram, this.port, this.host, (error) => (error ? reject(error) : resolve())),
    );
  }

  send(envelope: Json, hmacKey?: string): Promise<void> {
    const body = JSON.stringify(envelope);
    return this.sendRaw(hmacKey ? signDatagram(body, hmacKey) : body);
  }

  /** Sends `envelope` (which names its `id`) and waits for the reply with that id. */
  request(envelope: Json & { id: string }, options: { timeoutMs?: number; hmacKey?: string } = {}): Promise<Json> {
    const body = JSON.stringify(envelope);
    return this.requestRaw(envelope.id, options.hmacKey ? signDatagram(body, options.hmacKey) : body, options.timeoutMs);
  }

  /** Sends any bytes and waits for the reply that names `id`. */
  async requestRaw(id: string, datagram: string | Buffer, timeoutMs = 2000): Promise<Json> {
    const reply = new Promise<Json>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(id);
        reject(new Error(`no UDP reply to ${id}`));
      }, timeoutMs);
      this.waiters.set(id, (value) => {
        clearTimeout(timer);
        this.waiters.delete(id);
        resolve(value);
      });
    });
    await this.sendRaw(datagram);
    return reply;
  }

  /** The next reply that matched no request (e.g. `id: null` error replies). */
  async next(timeoutMs = 2000): Promise<Json> {
    const until = Date.now() + timeoutMs;
    while (this.unmatched.length === 0) {
      if (Date.now() > until) throw new Error('no unmatched UDP datagram');
      await new Promise((r) => setTimeout(r, 5));
    }
    return this.unmatched.shift()!;
  }

  /** Resolves true when nothing unmatched arrived within `ms`. */
  async isSilentFor(ms: number): Promise<boolean> {
    await new Promise((r) => setTimeout(r, ms));
    return this.unmatched.length === 0;
  }

  close(): void {
    this.socket.close();
  }

  private onMessage(datagram: Buffer): void {
    const value = parseReply(datagram);
    const waiter = typeof value.id === 'string' ? this.waiters.get(value.id) : undefined;
    if (waiter) waiter(value);
    else this.unmatched.push(value);
  }
}

/**
 * A UDP relay between clients and a server that loses datagrams on purpose: the first
 * `dropRequests` datagrams towards the server and the first `dropReplies` back. Each client
 * gets one upstream socket, so the server sees one stable sender per client.
 */
export class LossyUdpProxy {
  forwardedRequests = 0;
  forwardedReplies = 0;
  private readonly upstreams = new Map<string, Socket>();

  private constructor(
    private readonly front: Socket,
    private readonly target: { host: string; port: number },
    private readonly loss: { dropRequests: number; dropReplies: number },
  ) {
    front.on('message', (datagram, remote) => this.toServer(datagram, remote));
  }

  static async start(
    target: { host: string; port: number },
    loss: { dropRequests?: number; dropReplies?: number },
  ): Promise<LossyUdpProxy> {
    const front = createSocket(socketType(target.host));
    await bind(front, target.host);
    return new LossyUdpProxy(front, target, { dropRequests: loss.dropRequests ?? 0, dropReplies: loss.dropReplies ?? 0 });
  }

  get port(): number {
    return this.front.address().port;
  }

  close(): void {
    for (const upstream of this.upstreams.values()) upstream.close();
    this.front.close();
  }

  private toServer(datagram: Buffer, remote: RemoteInfo): void {
    if (this.loss.dropRequests > 0) {
      this.loss.dropRequests--;
      return;
    }
    const key = `${remote.address} ${remote.port}`;
    let upstream = this.upstreams.get(key);
    if (!upstream) {
      upstream = createSocket(socketType(this.target.host));
      upstream.bind(0, this.target.host);
      upstream.on('message', (reply) => {
        if (this.loss.dropReplies > 0) {
          this.loss.dropReplies--;
          return;
        }
        this.forwardedReplies++;
        this.front.send(reply, remote.port, remote.address);
      });
      this.upstreams.set(key, upstream);
    }
    this.forwardedRequests++;
    upstream.send(datagram, this.target.port, this.target.host);
  }
}
