import { randomUUID } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { Logger } from '@nestjs/common';
import { ClientProxy, type ReadPacket, type WritePacket } from '@nestjs/microservices';
import { defer, mergeMap, Observable } from 'rxjs';
import { CLIENT_DEFAULT_TIMEOUT_MS } from '../../protocols.constants';
import { outgoingDeadline, outgoingHeaders } from '../../context/outgoing-headers.util';
import { ProtocolError } from '../../errors/protocol.error';
import { timeoutHeader } from '../../utils/headers.util';
import { toClientError, withDeadline } from '../client-call.util';
import { createPacket } from '../nest-compat.util';
import { ForwardedListeners, MemoisedConnection, WaitingCalls } from '../client-shell.util';
import { decodeDatagram, encodeDatagram, toHmacKey } from './udp-datagram';
import { resolveHmacKeySource, resolveMaxDatagramBytes, resolveRetransmit, resolveSocketType, resolveTimeout } from './udp-options.util';
import { UDP_AMPLIFICATION_FACTOR } from './udp.constants';
import { UdpStatus, type UdpClientStats, type UdpEvents } from './udp.events';
import {
  UDP_CLIENT_CLOSED,
  UDP_INVALID_FIELD,
  UDP_INVALID_OPTION,
  UDP_NOT_SERIALIZABLE,
  UDP_REQUEST_TOO_LARGE,
  UDP_SEND_FAILED,
} from './udp.messages';
import type { UdpCallOptions, UdpClientOptions, UdpRetransmitOptions, UdpSocketType } from './udp.options';

/** One request ready to go: its id, its first datagram and how to re-stamp it for a retransmission. */
interface PreparedCall {
  id: string;
  first: Buffer;
  encode: () => Buffer;
}

/**
 * A Nest `ClientProxy` for `UdpServer`: requests matched to replies by id, events without
 * a reply, Orion headers (correlation id, remaining budget) in the envelope.
 *
 * - Every call has a deadline (`timeoutMs`, per client or per call, cut short by the
 *   current request's deadline): a lost datagram ends the call with DEADLINE_EXCEEDED.
 *   ICMP "port unreachable" is ignored on purpose: it is unreliable across networks and
 *   names no call, so a missing server also ends at the deadline.
 * - A request that would not fit `maxDatagramBytes` fails with RESOURCE_EXHAUSTED before
 *   anything is sent.
 * - `retransmit` (per client or per call) re-sends an unanswered request every
 *   `intervalMs`, up to `maxAttempts` sends, with the same id: the server runs it once.
 *   Use it for idempotent requests only.
 * - Error replies arrive as `ProtocolError`.
 * - Unsigned requests are padded (trailing whitespace) to a third of `maxDatagramBytes`,
 *   so the server's anti-amplification limit lets any fitting reply through. With
 *   `hmacKey` (or `ORION_UDP_HMAC_KEY` in the environment) requests are signed instead.
 *
 * @publicApi
 */
export class UdpClient extends ClientProxy<UdpEvents, UdpStatus> {
  private readonly log = new Logger('UdpClient');
  private readonly host: string;
  private readonly port: number;
  private readonly type: UdpSocketType;
  private readonly timeoutMs: number;
  private readonly maxDatagramBytes: number;
  private readonly hmacKey?: Buffer;
  private readonly retransmit?: UdpRetransmitOptions;
  private readonly pending = new WaitingCalls<string, (packet: WritePacket) => void>();
  private readonly listeners = new ForwardedListeners();
  private readonly connection = new MemoisedConnection(() => this.open().catch((error: unknown) => Promise.reject(toClientError(error))));
  private readonly counters: UdpClientStats = { sent: 0, retransmitted: 0, received: 0, dropped: 0 };
  private socket?: Socket;
  private address?: string;

  constructor(options: UdpClientOptions) {
    super();
    if (!Number.isInteger(options.port) || options.port < 1 || options.port > 65_535) {
      throw new RangeError(UDP_INVALID_OPTION('port', 'an integer from 1 to 65535'));
    }
    this.host = options.host ?? '127.0.0.1';
    this.port = options.port;
    this.type = resolveSocketType(this.host, options.type);
    this.timeoutMs = resolveTimeout(options.timeoutMs, CLIENT_DEFAULT_TIMEOUT_MS);
    this.maxDatagramBytes = resolveMaxDatagramBytes(options.maxDatagramBytes);
    this.hmacKey = toHmacKey(resolveHmacKeySource(options.hmacKey));
    this.retransmit = resolveRetransmit(options.retransmit);
  }

  /** Opens the socket (and resolves the host once). Memoised; reset by `close`. */
  connect(): Promise<Socket> {
    return this.connection.get();
  }

  /** Closes the socket. Idempotent. Calls still waiting end with UNAVAILABLE. */
  async close(): Promise<void> {
    const socket = this.socket;
    this.socket = undefined;
    this.connection.reset();
    for (const callback of this.pending.drain()) callback({ err: ProtocolError.unavailable(UDP_CLIENT_CLOSED()), isDisposed: true });
    if (!socket) return;
    this._status$.next(UdpStatus.DISCONNECTED);
    await new Promise<void>((resolve) => {
      try {
        socket.close(() => resolve());
      } catch {
        resolve();
      }
    });
  }

  /** Forwards a `node:dgram` socket event; listeners given before `connect` attach then. */
  override on<EventKey extends keyof UdpEvents = keyof UdpEvents, EventCallback extends UdpEvents[EventKey] = UdpEvents[EventKey]>(
    event: EventKey,
    callback: EventCallback,
  ): void {
    this.listeners.add(event, callback, this.socket);
  }

  /** The `node:dgram` socket. */
  unwrap<T>(): T {
    if (!this.socket) throw new Error('UdpClient is not connected');
    return this.socket as T;
  }

  /** Counters since the client was built (a copy). */
  stats(): UdpClientStats {
    return { ...this.counters };
  }

  /**
   * Sends a request and emits its one reply. `options` override the client's timeout and
   * retransmission for this call.
   */
  override send<TResult = unknown, TInput = unknown>(pattern: string, data: TInput, options: UdpCallOptions = {}): Observable<TResult> {
    return defer(() => {
      const deadline = outgoingDeadline(resolveTimeout(options.timeoutMs, this.timeoutMs));
      const retransmit = resolveRetransmit(options.retransmit === undefined ? this.retransmit : options.retransmit);
      // Encoded before connecting, so that a request that cannot be sent is never sent.
      const call = this.prepareCall(createPacket(this, pattern, data), deadline);
      const call$ = defer(() => this.connect()).pipe(
        mergeMap(() => new Observable<TResult>((observer) => this.startCall(call, retransmit, this.createObserver(observer)))),
      );
      return withDeadline(call$, deadline, pattern);
    });
  }

  /** Builds the socket; the seam for tests and for socket options (buffer sizes). */
  protected createSocket(type: UdpSocketType): Socket {
    return createSocket({ type });
  }

  protected publish(packet: ReadPacket, callback: (packet: WritePacket) => void): () => void {
    // NOTE: Nest's own `send` path, kept for subclasses; `send` above adds per-call options.
    let call: PreparedCall;
    try {
      call = this.prepareCall(packet, outgoingDeadline(this.timeoutMs));
    } catch (error) {
      callback({ err: error, isDisposed: true });
      return () => undefined;
    }
    return this.startCall(call, this.retransmit, callback);
  }

  protected async dispatchEvent<T = unknown>(packet: ReadPacket): Promise<T> {
    const deadline = outgoingDeadline(this.timeoutMs);
    const datagram = this.encodeMessage(packet, undefined, deadline, outgoingHeaders(deadline, packet.metadata));
    await new Promise<void>((resolve, reject) => this.transmit(datagram, (error) => (error ? reject(error) : resolve())));
    return undefined as T;
  }

  private async open(): Promise<Socket> {
    const family = this.type === 'udp6' ? 6 : 4;
    const address = isIP(this.host) ? this.host : (await lookup(this.host, { family })).address;
    const socket = this.createSocket(this.type);
    this.socket = socket;
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.bind(0, () => {
          socket.off('error', reject);
          resolve();
        });
      });
    } catch (error) {
      if (this.socket === socket) this.socket = undefined;
      socket.close();
      throw error;
    }
    if (this.socket !== socket) {
      socket.close();
      throw ProtocolError.unavailable(UDP_CLIENT_CLOSED());
    }
    this.address = address;
    socket.on('message', (datagram) => this.handleReply(datagram));
    socket.on('error', (error) => this.log.debug(`UDP client socket error: ${error.message}`));
    this.listeners.attachTo(socket);
    this._status$.next(UdpStatus.CONNECTED);
    return socket;
  }

  private prepareCall(packet: ReadPacket, deadline: number): PreparedCall {
    const id = randomUUID();
    const headers = outgoingHeaders(deadline, packet.metadata);
    const encode = () => this.encodeMessage(packet, id, deadline, headers);
    return { id, first: encode(), encode };
  }

  /** Encodes a request (with id) or event, stamping the remaining budget at send time. */
  private encodeMessage(packet: ReadPacket, id: string | undefined, deadline: number, headers: Record<string, string>): Buffer {
    const pattern: unknown = packet.pattern;
    if (typeof pattern !== 'string' || pattern.length === 0)
      throw ProtocolError.invalidArgument(UDP_INVALID_FIELD('pattern', 'a non-empty string'));
    let datagram: Buffer;
    try {
      datagram = encodeDatagram({ id, pattern, data: packet.data, headers: { ...headers, ...timeoutHeader(deadline) } }, this.hmacKey);
    } catch {
      throw ProtocolError.invalidArgument(UDP_NOT_SERIALIZABLE(`the payload of '${pattern}'`));
    }
    if (datagram.length > this.maxDatagramBytes) {
      throw new ProtocolError('RESOURCE_EXHAUSTED', UDP_REQUEST_TOO_LARGE(pattern, datagram.length, this.maxDatagramBytes), {
        bytes: datagram.length,
        limit: this.maxDatagramBytes,
      });
    }
    return id === undefined || this.hmacKey ? datagram : this.padded(datagram);
  }

  /**
   * An unsigned request padded with trailing JSON whitespace to a third of
   * `maxDatagramBytes`, so that the server's anti-amplification limit (3x the request)
   * still lets through any reply that fits a datagram. Signed requests need no padding.
   */
  private padded(datagram: Buffer): Buffer {
    const floor = Math.ceil(this.maxDatagramBytes / UDP_AMPLIFICATION_FACTOR);
    return datagram.length >= floor ? datagram : Buffer.concat([datagram, Buffer.alloc(floor - datagram.length, 0x20)]);
  }

  /** Sends a prepared call and its retransmissions; returns the teardown. */
  private startCall(call: PreparedCall, retransmit: UdpRetransmitOptions | undefined, callback: (packet: WritePacket) => void): () => void {
    let attempts = 0;
    let timer: NodeJS.Timeout | undefined;
    const stop = () => {
      clearInterval(timer);
      this.pending.take(call.id, callback);
    };
    const fail = (error: unknown) => {
      if (!this.pending.isWaiting(call.id, callback)) return;
      stop();
      callback({ err: error, isDisposed: true });
    };
    const transmit = () => {
      attempts++;
      if (attempts > 1) this.counters.retransmitted++;
      let datagram: Buffer;
      try {
        datagram = attempts === 1 ? call.first : call.encode();
      } catch (error) {
        return fail(error);
      }
      this.transmit(datagram, (error) => error && fail(error));
    };
    this.pending.set(call.id, callback);
    transmit();
    if (retransmit && retransmit.maxAttempts > 1) {
      timer = setInterval(() => {
        transmit();
        if (attempts >= retransmit.maxAttempts) clearInterval(timer);
      }, retransmit.intervalMs);
    }
    return stop;
  }

  private transmit(datagram: Buffer, done: (error?: ProtocolError) => void): void {
    const socket = this.socket;
    if (!socket || this.address === undefined) return done(ProtocolError.unavailable(UDP_CLIENT_CLOSED()));
    this.counters.sent++;
    try {
      socket.send(datagram, this.port, this.address, (error) => done(error ? this.sendError(error) : undefined));
    } catch (error) {
      done(this.sendError(error));
    }
  }

  private sendError(error: unknown): ProtocolError {
    const code = (error as { code?: unknown } | null)?.code;
    return ProtocolError.unavailable(UDP_SEND_FAILED(typeof code === 'string' ? code : String(error)));
  }

  private handleReply(datagram: Buffer): void {
    this.counters.received++;
    const decoded = decodeDatagram(datagram, { hmacKey: this.hmacKey });
    const callback = decoded.kind === 'reply' && decoded.id !== null ? this.pending.get(decoded.id) : undefined;
    // Late (after the deadline), duplicate (answer to a retransmission), forged or foreign.
    if (!callback || decoded.kind !== 'reply' || decoded.id === null) {
      this.counters.dropped++;
      return;
    }
    this.pending.delete(decoded.id);
    if (decoded.err !== undefined) callback({ err: decoded.err, isDisposed: true });
    else callback({ response: decoded.response ?? null, isDisposed: true });
  }
}
