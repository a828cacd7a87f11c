import type { Socket } from 'node:net';
import { StringDecoder } from 'node:string_decoder';
import { TcpSocket } from '@nestjs/microservices';
import { ProtocolError } from '../../errors/protocol.error';
import { frameTooLargeMessage, incompleteFrameMessage, malformedFrameMessage, notJsonMessage } from '../../protocols.messages';
import { serializeReply } from '../serialize-reply.util';
import { salvageRequestId } from '../../utils/salvage-id.util';

/** Longest accepted length prefix: 10 digits (≈ 9.3 GiB) is beyond any sane frame limit. */
const MAX_PREFIX_DIGITS = 10;
/** How long a refused connection may take to flush its error answer before it is destroyed. */
const REFUSAL_GRACE_MS = 1000;

/** @internal */
export interface TcpFrameSocketOptions {
  /** Largest frame body, in characters (Nest's framing counts characters, not bytes). */
  maxFrameLength: number;
  /** A frame must arrive whole within this time after its first character (0: no limit). */
  frameTimeoutMs: number;
  /** Replies queued for a peer that does not read beyond this many bytes close it. */
  maxSendBufferBytes: number;
  /** Called once when the connection is refused for bad framing (for logs and counters). */
  onRefused?: (error: ProtocolError) => void;
}

/**
 * Nest's TCP framing (`<length>#<json>`, length in characters, as `ClientTCP` writes it)
 * with strict checks, so bad input gets an answer and a closed connection instead of a
 * wait or an unbounded buffer:
 *
 * - a prefix that is not 1-10 decimal digits: INVALID_ARGUMENT, at once;
 * - a declared length above the limit: RESOURCE_EXHAUSTED, at once, before any body
 *   arrives (Nest's JsonSocket waits for the body and only counts what it buffered);
 * - a body that is not JSON: INVALID_ARGUMENT naming the id when it can be read;
 * - a frame not complete `frameTimeoutMs` after its first character: INVALID_ARGUMENT.
 *   Unlike Nest's timer, progress does not re-arm it (a peer dribbling one byte at a time
 *   cannot hold the connection open);
 * - a reply that cannot be serialized (cycles, BigInt, deep nesting): INTERNAL for its id,
 *   where Nest's socket throws and the caller waits forever.
 *
 * Each refusal writes one error packet `{ id, err, isDisposed: true }` and closes the
 * connection: after a framing error nothing that follows can be trusted. Nest's JsonSocket
 * keeps its parser state private, so this extends its base `TcpSocket` instead.
 * @internal
 */
export class TcpFrameSocket extends TcpSocket {
  private text = '';
  private expected: number | undefined;
  private readonly decoder = new StringDecoder('utf8');
  private frameTimer: NodeJS.Timeout | undefined;
  private isRefused = false;
  private isBackpressured = false;
  /** Replies of this tick not written yet, as one string (one write per tick, not one per reply). */
  private outgoing = '';
  private outgoingCallbacks: Array<(error?: unknown) => void> = [];
  private readonly flush = () => this.flushOutgoing();

  constructor(
    socket: Socket,
    private readonly options: TcpFrameSocketOptions,
  ) {
    super(socket);
    socket.on('close', () => this.clearFrameTimer());
  }

  protected override handleData(data: Buffer | string): void {
    if (this.isRefused) return;
    this.text += typeof data === 'string' ? data : this.decoder.write(data);
    this.drain();
  }

  /**
   * Replies are coalesced: those of one tick (every request of one read answered
   * synchronously, or whose promises settled together) are joined into one string and
   * written once, on the next tick.
   */
  protected override handleSend(message: unknown, callback?: (error?: unknown) => void): void {
    if (this.outgoing === '') process.nextTick(this.flush);
    this.outgoing += this.encode(message);
    if (callback) this.outgoingCallbacks.push(callback);
  }

  private flushOutgoing(): void {
    const text = this.outgoing;
    const callbacks = this.outgoingCallbacks;
    this.outgoing = '';
    this.outgoingCallbacks = [];
    if (text === '' || this.socket.destroyed) return;
    const done = callbacks.length === 0 ? undefined : (error?: unknown) => callbacks.forEach((callback) => callback(error));
    if (!this.socket.write(text, 'utf-8', done)) this.pauseReading();
    if (this.socket.writableLength > this.options.maxSendBufferBytes) this.socket.destroy();
  }

  /** Parses every complete frame in the buffer; refuses the connection on the first bad one. */
  private drain(): void {
    while (!this.isRefused && !this.isBackpressured) {
      if (this.expected === undefined) {
        const hash = this.text.indexOf('#');
        const prefix = hash < 0 ? this.text : this.text.slice(0, hash);
        if (prefix.length > MAX_PREFIX_DIGITS || !/^\d*$/.test(prefix) || hash === 0) {
          return this.refuse(ProtocolError.invalidArgument(malformedFrameMessage()));
        }
        if (hash < 0) break;
        const length = Number(prefix);
        if (length > this.options.maxFrameLength) {
          return this.refuse(new ProtocolError('RESOURCE_EXHAUSTED', frameTooLargeMessage(length, this.options.maxFrameLength)));
        }
        this.expected = length;
        this.text = this.text.slice(hash + 1);
      }
      if (this.text.length < this.expected) break;
      const body = this.text.slice(0, this.expected);
      this.text = this.text.slice(this.expected);
      this.expected = undefined;
      // The timer measures one frame: a completed frame ends it.
      this.clearFrameTimer();
      this.emitFrame(body);
    }
    if (!this.isRefused) this.armFrameTimer();
  }

  private emitFrame(body: string): void {
    let packet: unknown;
    try {
      packet = JSON.parse(body);
    } catch {
      return this.refuse(ProtocolError.invalidArgument(notJsonMessage('frame body')), salvageRequestId(body));
    }
    // NOTE: the server validates the packet's shape and answers on this connection.
    this.socket.emit('message', packet);
  }

  private encode(message: unknown): string {
    const json = serializeReply(message, (err) => {
      const id = (message as { id?: unknown } | null)?.id;
      return { id: typeof id === 'string' || typeof id === 'number' ? id : null, err, isDisposed: true };
    });
    return `${json.length}#${json}`;
  }

  private refuse(error: ProtocolError, id?: string): void {
    this.isRefused = true;
    this.text = '';
    this.expected = undefined;
    this.clearFrameTimer();
    this.options.onRefused?.(error);
    const socket = this.socket;
    if (socket.destroyed) return;
    // Replies already due go first.
    this.flushOutgoing();
    // Answer, then close as soon as the answer is flushed; later input is ignored.
    socket.end(this.encode({ id: id ?? null, err: error.toJSON(), isDisposed: true }));
    socket.once('finish', () => socket.destroy());
    // A peer that does not read would keep 'finish' from ever firing.
    setTimeout(() => socket.destroy(), REFUSAL_GRACE_MS).unref();
  }

  private armFrameTimer(): void {
    const isPartial = this.text.length > 0 || this.expected !== undefined;
    if (!isPartial) return this.clearFrameTimer();
    if (this.frameTimer || this.options.frameTimeoutMs <= 0) return;
    this.frameTimer = setTimeout(() => {
      this.frameTimer = undefined;
      const message = incompleteFrameMessage(this.text.length, this.expected, this.options.frameTimeoutMs);
      this.refuse(ProtocolError.invalidArgument(message), salvageRequestId(this.text));
    }, this.options.frameTimeoutMs);
    this.frameTimer.unref();
  }

  private clearFrameTimer(): void {
    if (this.frameTimer) clearTimeout(this.frameTimer);
    this.frameTimer = undefined;
  }

  /** Stops reading while the peer does not read its replies (Nest's JsonSocket does the same). */
  private pauseReading(): void {
    if (this.isBackpressured) return;
    this.isBackpressured = true;
    this.socket.pause();
    this.socket.once('drain', () => {
      this.isBackpressured = false;
      this.socket.resume();
      this.drain();
    });
  }
}
