// The "limit" client: one `node:net` socket (no-delay), newline-delimited JSON, correlation
// ids, a map of pending calls. What any JS RPC client must do at least (serialize, frame,
// match, parse), with its writes batched: the calls made in one tick (for example the
// workers that all resume on one read of replies) go out as ONE socket write, flushed on
// process.nextTick. Its server (bench/servers/limit-echo.ts) answers each read with one
// write, so both ends batch: the ceiling of one Node client and one Node server on one socket.
import { connect, type Socket } from 'node:net';

export class NdjsonClient {
  private socket?: Socket;
  private nextId = 0;
  private buffered = '';
  private outgoing = '';
  private readonly flush = () => {
    const out = this.outgoing;
    this.outgoing = '';
    this.socket!.write(out);
  };
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();

  constructor(
    private readonly host: string,
    private readonly port: number,
  ) {}

  async connect(): Promise<void> {
    const socket = connect({ host: this.host, port: this.port, noDelay: true });
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.onData(chunk));
    socket.on('error', (error) => this.failAll(error));
    socket.on('close', () => this.failAll(new Error('connection closed')));
    this.socket = socket;
  }

  send(data: unknown): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      if (this.outgoing === '') process.nextTick(this.flush);
      this.outgoing += JSON.stringify({ id, data }) + '\n';
    });
  }

  close(): void {
    this.socket?.destroy();
  }

  private onData(chunk: string): void {
    this.buffered += chunk;
    let start = 0;
    for (let nl = this.buffered.indexOf('\n'); nl !== -1; nl = this.buffered.indexOf('\n', start)) {
      const reply = JSON.parse(this.buffered.slice(start, nl)) as { id: number; data: unknown };
      start = nl + 1;
      const call = this.pending.get(reply.id);
      if (!call) continue;
      this.pending.delete(reply.id);
      call.resolve(reply.data);
    }
    this.buffered = this.buffered.slice(start);
  }

  private failAll(error: Error): void {
    for (const call of this.pending.values()) call.reject(error);
    this.pending.clear();
  }
}
