import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { Logger } from '@nestjs/common';
import { Server, type CustomTransportStrategy, type MessageHandler, type WritePacket } from '@nestjs/microservices';
import { throwError } from 'rxjs';
import { ProtocolError, type ProtocolErrorBody } from '../../errors/protocol.error';
import { toProtocolError } from '../../errors/to-protocol-error.util';
import { servesProtocol } from '../serves-protocol.util';
import { handleRequest } from '../nest-compat.util';
import { decodeDatagram, encodeDatagram, toHmacKey, type DecodedUdpDatagram, type UdpReplyDatagram } from './udp-datagram';
import { resolveHmacKeySource, resolveMaxDatagramBytes, resolveSocketType } from './udp-options.util';
import { UdpReplyCache } from './udp-reply-cache';
import { UDP_AMPLIFICATION_FACTOR, UDP_TRANSPORT } from './udp.constants';
import { UdpContext } from './udp.context';
import { UdpStatus, type UdpEvents, type UdpServerStats } from './udp.events';
import { UDP_NO_ENDPOINT, UDP_NOT_SERIALIZABLE, UDP_REPLY_AMPLIFIED, UDP_REPLY_TOO_LARGE } from './udp.messages';
import type { UdpListenerOptions } from './udp.options';
import type { DirectHandlers as DirectEndpoints } from '../../interfaces/direct-dispatch.interface';
import { runUdpDirect } from './udp-direct.util';

type UdpRequest = Extract<DecodedUdpDatagram, { kind: 'request' }>;
type UdpEvent = Extract<DecodedUdpDatagram, { kind: 'event' }>;

/** Where a reply goes, and how large the request was (the anti-amplification budget). */
interface Sender {
  remote: RemoteInfo;
  requestBytes: number;
}

/** The wire body of any error, keeping the correlation id our exception filter adds. */
function errorBody(error: unknown): ProtocolErrorBody {
  const body = toProtocolError(error).toJSON();
  const correlationId = (error as { correlationId?: unknown } | null)?.correlationId;
  if (typeof correlationId === 'string') body.correlationId = correlationId;
  return body;
}

function closeQuietly(socket: Socket): void {
  try {
    socket.close();
  } catch {
    // Already closed.
  }
}

/**
 * UDP as a Nest transport strategy: one JSON datagram per request, event or reply (see
 * `udp-datagram.ts`), routed by pattern to the same `@Endpoint` handlers as every other
 * protocol, so guards, interceptors, pipes and filters apply.
 *
 * - Requests carry an `id` and get exactly one reply datagram; events carry none and get
 *   no reply.
 * - Garbage (empty, binary, not a JSON object) gets no reply: answering it would let a
 *   spoofed source aim our replies at a victim. Datagrams over `maxDatagramBytes`, JSON of
 *   the wrong shape or of another wire version get an error reply; so does a handler whose
 *   reply would not fit (RESOURCE_EXHAUSTED).
 * - Anti-amplification (as QUIC): without `hmacKey` no reply is more than 3x the request's
 *   bytes; a larger one becomes a short RESOURCE_EXHAUSTED error (or nothing, if even that
 *   does not fit). `UdpClient` pads unsigned requests so that any reply of up to
 *   `maxDatagramBytes` fits. Signed senders are verified and exempt.
 * - A request id seen again from the same sender is ignored while it runs and answered
 *   from a bounded, expiring reply cache afterwards, so client retransmission never runs a
 *   handler twice.
 * - With `hmacKey` (or `ORION_UDP_HMAC_KEY` in the environment), unsigned or wrongly
 *   signed datagrams are dropped without a reply.
 * - Nothing a sender does ends the process: every datagram is answered, dispatched or
 *   dropped and counted (`stats()`).
 *
 * NOTE: the envelope is the wire contract (version, HMAC, size limit), so unlike Nest's
 * transports there is no pluggable (de)serializer.
 *
 * @publicApi
 */
export class UdpServer extends Server<UdpEvents, UdpStatus> implements CustomTransportStrategy {
  override transportId = UDP_TRANSPORT;
  private readonly log = new Logger('UdpServer');
  private readonly maxDatagramBytes: number;
  private readonly hmacKey?: Buffer;
  private readonly replyCache?: UdpReplyCache;
  private readonly listeners: Array<[string, Function]> = [];
  private readonly counters: UdpServerStats = { received: 0, replied: 0, errorReplies: 0, dropped: 0, duplicates: 0, cutReplies: 0 };
  private socket?: Socket;
  private isBound = false;
  private sweeper?: NodeJS.Timeout;

  /** @param direct the direct handler path's endpoints (`startProtocols` passes them). */
  constructor(
    private readonly options: UdpListenerOptions = {},
    private readonly direct?: DirectEndpoints,
  ) {
    super();
    this.maxDatagramBytes = resolveMaxDatagramBytes(options.maxDatagramBytes);
    this.hmacKey = toHmacKey(resolveHmacKeySource(options.hmacKey));
    this.replyCache = options.replyCache === false ? undefined : new UdpReplyCache(options.replyCache);
    resolveSocketType(options.host ?? '127.0.0.1', options.type);
  }

  override addHandler(pattern: unknown, callback: MessageHandler, isEventHandler?: boolean, extras?: Record<string, unknown>): void {
    // gRPC method patterns (objects) ride along on @Endpoint methods; UDP routes strings only.
    if (typeof pattern !== 'string' || !servesProtocol('udp', extras)) return;
    super.addHandler(pattern, callback, isEventHandler, extras);
  }

  listen(callback: (error?: unknown) => void): void {
    if (this.socket) return callback(new Error('UdpServer is already listening'));
    const host = this.options.host ?? '127.0.0.1';
    const socket = this.createSocket(resolveSocketType(host, this.options.type));
    this.socket = socket;
    const onBindError = (error: Error) => {
      if (this.socket === socket) this.socket = undefined;
      closeQuietly(socket);
      callback(error);
    };
    socket.once('error', onBindError);
    socket.on('message', (datagram, remote) => this.handleDatagram(datagram, remote));
    for (const [event, listener] of this.listeners) socket.on(event, listener as never);
    socket.bind(this.options.port ?? 0, host, () => {
      socket.off('error', onBindError);
      // Closed while binding: nothing to start.
      if (this.socket !== socket) return callback();
      socket.on('error', (error) => this.log.error(`UDP socket error: ${error.message}`));
      this.isBound = true;
      if (this.replyCache) {
        const cache = this.replyCache;
        this.sweeper = setInterval(() => cache.sweep(), Math.max(100, cache.ttlMs)).unref();
      }
      this._status$.next(UdpStatus.CONNECTED);
      callback();
    });
  }

  /** Closes the socket. Idempotent; replies of handlers still running are discarded. */
  close(): Promise<void> {
    const socket = this.socket;
    this.socket = undefined;
    clearInterval(this.sweeper);
    this.sweeper = undefined;
    this.replyCache?.clear();
    if (!socket) return Promise.resolve();
    const wasBound = this.isBound;
    this.isBound = false;
    this._status$.next(UdpStatus.DISCONNECTED);
    if (!wasBound) {
      closeQuietly(socket);
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => socket.close(() => resolve()));
  }

  /** Forwards a `node:dgram` socket event; listeners given before `listen` attach then. */
  on<EventKey extends keyof UdpEvents = keyof UdpEvents, EventCallback extends UdpEvents[EventKey] = UdpEvents[EventKey]>(
    event: EventKey,
    callback: EventCallback,
  ): void {
    this.listeners.push([event, callback]);
    this.socket?.on(event, callback as never);
  }

  /** The `node:dgram` socket. */
  unwrap<T>(): T {
    if (!this.socket) throw new Error('UdpServer is not listening');
    return this.socket as T;
  }

  /** The bound address; valid after `listen`. */
  address(): AddressInfo {
    if (!this.socket || !this.isBound) throw new Error('UdpServer is not listening');
    return this.socket.address();
  }

  /** Counters since the server was built (a copy). */
  stats(): UdpServerStats {
    return { ...this.counters };
  }

  /** Builds the socket; the seam for tests and for socket options (buffer sizes). */
  protected createSocket(type: 'udp4' | 'udp6'): Socket {
    return createSocket({ type });
  }

  /**
   * Classifies one datagram and answers, dispatches or drops it. Never throws. A subclass
   * may override it to filter datagrams (tests use it to simulate loss).
   */
  protected handleDatagram(datagram: Buffer, remote: RemoteInfo): void {
    this.counters.received++;
    try {
      const decoded = decodeDatagram(datagram, { hmacKey: this.hmacKey, maxBytes: this.maxDatagramBytes });
      if (decoded.kind === 'unauthenticated') return this.drop('unsigned or wrongly signed', remote);
      if (decoded.kind === 'reply') return this.drop('a reply, not a request', remote);
      if (decoded.kind === 'invalid' && decoded.isGarbage) return this.drop('not a JSON object', remote);
      const sender: Sender = { remote, requestBytes: datagram.length };
      if (decoded.kind === 'invalid')
        return this.transmit(this.encodeReply({ id: decoded.id ?? null, err: decoded.error.toJSON() }), sender, true);
      if (decoded.kind === 'event') return this.dispatchEvent(decoded, remote);
      return this.dispatchRequest(decoded, sender);
    } catch (error) {
      this.log.error(`UDP datagram from ${remote.address}:${remote.port} failed: ${String(error)}`);
    }
  }

  private dispatchEvent(event: UdpEvent, remote: RemoteInfo): void {
    const handler = this.findHandler(event.pattern);
    if (!handler) return this.drop(`event for no endpoint '${event.pattern}'`, remote);
    const context = new UdpContext([remote, event.pattern, event.headers, undefined]);
    const direct = this.direct?.find('udp', event.pattern, handler);
    if (direct) return runUdpDirect(direct, event, context);
    this.handleEvent(event.pattern, { pattern: event.pattern, data: event.data }, context).catch((error: unknown) =>
      this.log.error(`UDP event '${event.pattern}' failed: ${String(error)}`),
    );
  }

  private dispatchRequest(request: UdpRequest, sender: Sender): void {
    const { remote } = sender;
    const key = `${remote.address} ${remote.port} ${request.id}`;
    const seen = this.replyCache?.claim(key) ?? { state: 'new' };
    if (seen.state === 'in-flight') {
      this.counters.duplicates++;
      return;
    }
    if (seen.state === 'done') {
      this.counters.duplicates++;
      return this.transmit(seen.reply, sender, false);
    }
    const finish = (reply: UdpReplyDatagram) => {
      const buffer = this.encodeReply(reply);
      this.replyCache?.complete(key, buffer);
      this.transmit(buffer, sender, reply.err !== undefined);
    };
    const { id, pattern, data } = request;
    const handler = this.findHandler(pattern);
    if (!handler) return finish({ id, err: ProtocolError.notFound(UDP_NO_ENDPOINT(pattern)).toJSON() });
    const context = new UdpContext([remote, pattern, request.headers, id]);
    const direct = this.direct?.find('udp', pattern, handler);
    if (direct) return runUdpDirect(direct, request, context, finish);
    if (handler.isEventHandler) {
      // An event endpoint called as a request is acknowledged once it ran.
      this.handleEvent(pattern, { pattern, data }, context).then(
        () => finish({ id, response: null }),
        (error: unknown) => finish({ id, err: errorBody(error) }),
      );
      return;
    }
    let last: unknown = null;
    let isAnswered = false;
    handleRequest(
      this,
      context,
      async () => {
        try {
          return this.transformToObservable(await handler(data, context));
        } catch (error) {
          return throwError(() => error);
        }
      },
      (packet: WritePacket) => {
        if (isAnswered) return;
        if ('err' in packet && packet.err !== undefined) {
          isAnswered = true;
          return finish({ id, err: errorBody(packet.err) });
        }
        // One datagram per request: a streamed response is answered with its last value.
        if (packet.response !== undefined) last = packet.response;
        if (packet.isDisposed) {
          isAnswered = true;
          finish({ id, response: last });
        }
      },
    );
  }

  /** One lookup, by string (Nest's getHandlerByPattern tries JSON.parse on every pattern). */
  private findHandler(pattern: string): MessageHandler | null {
    return this.messageHandlers.get(pattern) ?? null;
  }

  /** Encodes a reply; one that cannot be sent as is becomes an error reply that can. */
  private encodeReply(reply: UdpReplyDatagram): Buffer {
    let buffer: Buffer;
    try {
      buffer = encodeDatagram(reply, this.hmacKey);
    } catch {
      const err = new ProtocolError('INTERNAL', UDP_NOT_SERIALIZABLE('the reply')).toJSON(reply.err?.correlationId);
      return encodeDatagram({ id: reply.id, err }, this.hmacKey);
    }
    if (buffer.length <= this.maxDatagramBytes) return buffer;
    const error = new ProtocolError('RESOURCE_EXHAUSTED', UDP_REPLY_TOO_LARGE(buffer.length, this.maxDatagramBytes));
    return encodeDatagram({ id: reply.id, err: error.toJSON(reply.err?.correlationId) }, this.hmacKey);
  }

  private transmit(reply: Buffer, sender: Sender, isError: boolean): void {
    const { remote } = sender;
    const socket = this.socket;
    if (!socket || !this.isBound || remote.port === 0) return this.drop('no reply address', remote);
    const buffer = this.hmacKey ? reply : this.withinAmplificationLimit(reply, sender);
    if (!buffer) return this.drop('even an error reply would be over 3x the request', remote);
    if (buffer !== reply) isError = true;
    this.counters.replied++;
    if (isError) this.counters.errorReplies++;
    socket.send(buffer, remote.port, remote.address, (error) => {
      if (error) this.log.warn(`UDP reply to ${remote.address}:${remote.port} failed: ${error.message}`);
    });
  }

  /**
   * `reply` when it is at most 3x the request; else a short RESOURCE_EXHAUSTED error under
   * the same id, or undefined when even that is over the limit. Only unsigned peers get here.
   */
  private withinAmplificationLimit(reply: Buffer, sender: Sender): Buffer | undefined {
    const limit = UDP_AMPLIFICATION_FACTOR * sender.requestBytes;
    if (reply.length <= limit) return reply;
    this.counters.cutReplies++;
    let id: string | null = null;
    try {
      const parsed = JSON.parse(reply.toString('utf8')) as { id?: unknown };
      if (typeof parsed.id === 'string') id = parsed.id;
    } catch {
      // Our own encoding: always JSON.
    }
    const err = new ProtocolError('RESOURCE_EXHAUSTED', UDP_REPLY_AMPLIFIED(reply.length, limit)).toJSON();
    const short = encodeDatagram({ id, err });
    return short.length <= limit ? short : undefined;
  }

  private drop(reason: string, remote: RemoteInfo): void {
    this.counters.dropped++;
    // NOTE: debug, not warn: a flood of junk must not become a flood of log lines.
    this.log.debug(`dropped UDP datagram from ${remote.address}:${remote.port}: ${reason}`);
  }
}
