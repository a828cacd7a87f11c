import { connect, type Socket } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import WebSocket from 'ws';

/** Speaks Nest's TCP framing (`<length>#<json>`) on a raw socket. */
export class RawTcpClient {
  private buffer = '';
  private readonly waiters = new Map<string, (value: Record<string, unknown>) => void>();
  private constructor(readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.onData(chunk));
  }
  static async open(port: number): Promise<RawTcpClient> {
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    return new RawTcpClient(socket);
  }
  writeRaw(text: string): void {
    this.socket.write(text);
  }
  send(packet: Record<string, unknown>): void {
    const json = JSON.stringify(packet);
    this.socket.write(`${Buffer.byteLength(json)}#${json}`);
  }
  request(packet: Record<string, unknown> & { id: string }, timeoutMs = 3000): Promise<Record<string, unknown>> {
    const reply = new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no TCP reply to ${packet.id}`)), timeoutMs);
      this.waiters.set(packet.id, (value) => (clearTimeout(timer), resolve(value)));
    });
    this.send(packet);
    return reply;
  }
  close(): void {
    this.socket.destroy();
  }
  private onData(chunk: string): void {
    this.buffer += chunk;
    for (;;) {
      const hash = this.buffer.indexOf('#');
      if (hash < 0) return;
      const length = Number(this.buffer.slice(0, hash));
      const body = this.buffer.slice(hash + 1);
      if (Buffer.byteLength(body) < length) return;
      const json = Buffer.from(body).subarray(0, length).toString();
      this.buffer = Buffer.from(body).subarray(length).toString();
      const value = JSON.parse(json) as Record<string, unknown>;
      this.waiters.get(String(value.id))?.(value);
    }
  }
}

/** A WebSocket client that pairs reply frames with requests by id. */
export class FrameClient {
  private readonly waiters = new Map<string, (frame: Record<string, unknown>) => void>();
  readonly unmatched: Array<Record<string, unknown>> = [];
  private constructor(readonly socket: WebSocket) {
    socket.on('message', (raw) => {
      const frame = JSON.parse(raw.toString()) as Record<string, unknown>;
      const waiter = this.waiters.get(String(frame.id));
      if (waiter) waiter(frame);
      else this.unmatched.push(frame);
    });
  }
  static async open(url: string, headers?: Record<string, string>): Promise<FrameClient> {
    const socket = new WebSocket(url, { headers });
    await new Promise<void>((resolve, reject) => socket.once('open', () => resolve()).once('error', reject));
    return new FrameClient(socket);
  }
  request(frame: Record<string, unknown> & { id: string }, timeoutMs = 3000): Promise<Record<string, unknown>> {
    const reply = new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no WS reply to ${frame.id}`)), timeoutMs);
      this.waiters.set(frame.id, (value) => (clearTimeout(timer), resolve(value)));
    });
    this.socket.send(JSON.stringify(frame));
    return reply;
  }
  async nextUnmatched(timeoutMs = 3000): Promise<Record<string, unknown>> {
    const until = Date.now() + timeoutMs;
    while (this.unmatched.length === 0) {
      if (Date.now() > until) throw new Error('no unmatched frame');
      await new Promise((r) => setTimeout(r, 10));
    }
    return this.unmatched.shift()!;
  }
  close(): void {
    this.socket.close();
  }
}

/** A grpc-js client for a service of a loaded .proto. */
export function grpcClient(
  protoPath: string | string[],
  packageName: string,
  service: string,
  url: string,
): grpc.Client & Record<string, Function> {
  const definition = protoLoader.loadSync(protoPath, { keepCase: true, defaults: true });
  const loaded = grpc.loadPackageDefinition(definition) as Record<string, unknown>;
  let node: unknown = loaded;
  for (const part of packageName.split('.')) node = (node as Record<string, unknown>)[part];
  const Ctor = (node as Record<string, grpc.ServiceClientConstructor>)[service];
  return new Ctor(url, grpc.credentials.createInsecure()) as unknown as grpc.Client & Record<string, Function>;
}

/** Unary gRPC call as a promise that resolves with either the reply or the status error. */
export function grpcUnary(
  client: Record<string, Function>,
  method: string,
  request: unknown,
  metadata = new grpc.Metadata(),
  deadlineMs = 3000,
): Promise<{ reply?: Record<string, unknown>; error?: grpc.ServiceError }> {
  return new Promise((resolve) => {
    client[method](
      request,
      metadata,
      { deadline: Date.now() + deadlineMs },
      (error: grpc.ServiceError | null, reply: Record<string, unknown>) => resolve(error ? { error } : { reply }),
    );
  });
}
