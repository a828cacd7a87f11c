import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { ClientProxy, type ReadPacket, type WritePacket } from '@nestjs/microservices';
import { defer, mergeMap, Observable } from 'rxjs';
import WebSocket, { type ClientOptions, type RawData } from 'ws';
import { CLIENT_DEFAULT_TIMEOUT_MS, WS_DEFAULT_MAX_PAYLOAD_BYTES } from '../../protocols.constants';
import type { CallOptions } from '../../interfaces/client-options.interface';
import { outgoingDeadline } from '../../context/outgoing-headers.util';
import { ProtocolError } from '../../errors/protocol.error';
import { timeoutHeader } from '../../utils/headers.util';
import { NOT_SENT_DETAILS, toClientError } from '../client-call.util';
import { createPacket } from '../nest-compat.util';
import { callByDeadline, resolveClientTimeout, startEagerly, withOutgoingHeaders } from '../client-emit.util';
import { ClientStatus, ForwardedListeners, MemoisedConnection, WaitingCalls } from '../client-shell.util';
import {
  CLIENT_CLOSED,
  CLIENT_CONNECT_FAILED,
  CLIENT_CONNECTION_LOST,
  CLIENT_INVALID_OPTION,
  CLIENT_NOT_CONNECTED,
  CLIENT_NOT_SERIALIZABLE,
  CLIENT_REQUEST_TOO_LARGE,
} from '../client.messages';
import type { WsClientEvents, WsClientOptions } from './ws-client.options';
import { clientTlsOptions, loadClientTls, type ClientTlsConnectOptions } from '../../tls/tls-material.util';

const CLIENT_NAME = 'WsClient';
/** How long `close()` waits for the server's close frame before dropping the socket. */
const CLOSE_GRACE_MS = 500;

/** What a reply frame may carry: `{ id, data }` or `{ id, error }`. */
interface ReplyFrame {
  id?: unknown;
  data?: unknown;
  error?: unknown;
}

/**
 * A Nest `ClientProxy` for `WsServer`: one WebSocket connection, request frames
 * `{ id, pattern, data, headers }` matched to their reply by id, events as frames without id.
 *
 * - `connect()` is memoised and reset when the connection closes; the next call connects
 *   again (no background reconnection).
 * - Every call has a deadline (`timeoutMs`, per client or per call, cut short by the
 *   current request's deadline) and ends with a `ProtocolError`: error frames keep their
 *   code; a refused connection is UNAVAILABLE with `isRequestSent: false`; a connection
 *   lost while calls wait fails them with UNAVAILABLE (they may have run).
 * - Orion headers (correlation id, remaining budget) and per-call headers travel in the
 *   frame's `headers`.
 * - `wss://` URLs connect over TLS (`tls` for a private CA or a client certificate); a
 *   failed handshake is UNAVAILABLE with `isRequestSent: false`, naming the reason.
 *
 * @publicApi
 */
export class WsClient extends ClientProxy<WsClientEvents, ClientStatus> {
  private readonly log = new Logger(CLIENT_NAME);
  private readonly url: string;
  private readonly timeoutMs: number;
  private readonly maxPayloadBytes: number;
  private readonly tlsOptions?: ClientTlsConnectOptions;
  private readonly pending = new WaitingCalls<string, (packet: WritePacket) => void>();
  private readonly listeners = new ForwardedListeners();
  private readonly connection = new MemoisedConnection(() => this.open());
  private socket?: WebSocket;

  constructor(options: WsClientOptions) {
    super();
    if (!/^wss?:\/\//i.test(options.url ?? '') || !URL.canParse(options.url)) {
      throw new TypeError(CLIENT_INVALID_OPTION(CLIENT_NAME, 'url', 'a ws:// or wss:// URL'));
    }
    const maxPayloadBytes = options.maxPayloadBytes ?? WS_DEFAULT_MAX_PAYLOAD_BYTES;
    if (!Number.isInteger(maxPayloadBytes) || maxPayloadBytes < 1) {
      throw new RangeError(CLIENT_INVALID_OPTION(CLIENT_NAME, 'maxPayloadBytes', 'a positive integer'));
    }
    if (options.tls && !/^wss:\/\//i.test(options.url)) {
      throw new TypeError(CLIENT_INVALID_OPTION(CLIENT_NAME, 'url', 'a wss:// URL when tls is given'));
    }
    this.url = options.url;
    this.timeoutMs = resolveClientTimeout(CLIENT_NAME, options.timeoutMs, CLIENT_DEFAULT_TIMEOUT_MS);
    this.maxPayloadBytes = maxPayloadBytes;
    if (options.tls) this.tlsOptions = clientTlsOptions(loadClientTls(options.tls, 'tls'));
  }

  /** Opens the connection. Memoised; reset by `close` and when the connection drops. */
  connect(): Promise<WebSocket> {
    return this.connection.get();
  }

  /** Closes the connection. Idempotent. Calls still waiting end with UNAVAILABLE. */
  async close(): Promise<void> {
    const socket = this.socket;
    this.socket = undefined;
    this.connection.reset();
    this.failPending(ProtocolError.unavailable(CLIENT_CLOSED(CLIENT_NAME)));
    if (!socket) return;
    this._status$.next(ClientStatus.DISCONNECTED);
    if (socket.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => socket.terminate(), CLOSE_GRACE_MS);
      socket.once('close', () => (clearTimeout(timer), resolve()));
      socket.close(1000);
    });
  }

  /** Forwards a `ws` socket event; listeners given before `connect` attach then. */
  override on<
    EventKey extends keyof WsClientEvents = keyof WsClientEvents,
    EventCallback extends WsClientEvents[EventKey] = WsClientEvents[EventKey],
  >(event: EventKey, callback: EventCallback): void {
    this.listeners.add(event, callback, this.socket);
  }

  /** The `ws` socket. */
  unwrap<T>(): T {
    if (!this.socket) throw new Error(CLIENT_NOT_CONNECTED(CLIENT_NAME));
    return this.socket as T;
  }

  /** Sends a request frame and emits its reply; `options` override the timeout and add headers. */
  override send<TResult = unknown, TInput = unknown>(pattern: string, data: TInput, options: CallOptions = {}): Observable<TResult> {
    return callByDeadline(CLIENT_NAME, pattern, options.timeoutMs, this.timeoutMs, (deadline) => {
      const packet = withOutgoingHeaders(createPacket(this, pattern, data), deadline, options.headers);
      return defer(() => this.connect()).pipe(
        mergeMap(() => new Observable<TResult>((observer) => this.startCall(packet, deadline, this.createObserver(observer)))),
      );
    });
  }

  /** Sends an event frame (no id, no reply); completes once the frame was written. */
  override emit<TResult = unknown, TInput = unknown>(pattern: string, data: TInput, options: CallOptions = {}): Observable<TResult> {
    return startEagerly(
      callByDeadline(CLIENT_NAME, pattern, options.timeoutMs, this.timeoutMs, (deadline) => {
        const packet = withOutgoingHeaders(createPacket(this, pattern, data), deadline, options.headers);
        return defer(() => this.connect()).pipe(mergeMap(() => this.sendEvent<TResult>(packet, deadline)));
      }),
    );
  }

  /** Builds the socket; the seam for tests and for TLS or upgrade-header options. */
  protected createSocket(url: string, options: ClientOptions): WebSocket {
    return new WebSocket(url, options);
  }

  protected publish(packet: ReadPacket, callback: (packet: WritePacket) => void): () => void {
    // NOTE: Nest's own `send` path, kept for subclasses; `send` above adds per-call options.
    const deadline = outgoingDeadline(this.timeoutMs);
    return this.startCall(withOutgoingHeaders(packet, deadline), deadline, callback);
  }

  protected dispatchEvent<T = unknown>(packet: ReadPacket): Promise<T> {
    const deadline = outgoingDeadline(this.timeoutMs);
    return this.sendEvent<T>(withOutgoingHeaders(packet, deadline), deadline);
  }

  private open(): Promise<WebSocket> {
    return new Promise<WebSocket>((resolve, reject) => {
      const socket = this.createSocket(this.url, {
        ...this.tlsOptions,
        maxPayload: this.maxPayloadBytes,
        handshakeTimeout: this.timeoutMs,
      });
      this.socket = socket;
      // Anything that fails before `open` happened before a frame was written: never sent.
      const failed = (error: Error) => {
        socket.off('open', opened);
        // NOTE: ws may report more errors while it tears the failed socket down.
        socket.on('error', () => undefined);
        if (this.socket === socket) this.socket = undefined;
        reject(this.connectError(error));
      };
      const opened = () => {
        socket.off('error', failed);
        if (this.socket !== socket) {
          socket.terminate();
          return reject(ProtocolError.unavailable(CLIENT_CLOSED(CLIENT_NAME), NOT_SENT_DETAILS));
        }
        socket.on('message', (raw, isBinary) => this.handleFrame(raw, isBinary));
        socket.on('error', (error) => this.log.debug(`WebSocket client error: ${error.message}`));
        socket.once('close', () => this.handleClose(socket));
        this.listeners.attachTo(socket);
        this._status$.next(ClientStatus.CONNECTED);
        resolve(socket);
      };
      socket.once('error', failed);
      socket.once('open', opened);
    });
  }

  private connectError(error: Error): ProtocolError {
    const mapped = toClientError(error);
    if (mapped.code === 'UNAVAILABLE' && mapped.details !== undefined) return mapped;
    return ProtocolError.unavailable(CLIENT_CONNECT_FAILED(CLIENT_NAME, this.url, error.message), NOT_SENT_DETAILS);
  }

  /** Encodes a frame (the budget stamped now), refusing what cannot or must not be sent. */
  private encodeFrame(packet: ReadPacket, id: string | undefined, deadline: number): string {
    const pattern = String(packet.pattern);
    let text: string | undefined;
    try {
      text = JSON.stringify({ id, pattern, data: packet.data, headers: { ...packet.metadata, ...timeoutHeader(deadline) } });
    } catch {
      text = undefined;
    }
    if (text === undefined) throw ProtocolError.invalidArgument(CLIENT_NOT_SERIALIZABLE(pattern));
    const size = Buffer.byteLength(text);
    if (size > this.maxPayloadBytes) {
      throw new ProtocolError('RESOURCE_EXHAUSTED', CLIENT_REQUEST_TOO_LARGE(pattern, size, this.maxPayloadBytes), {
        bytes: size,
        limit: this.maxPayloadBytes,
      });
    }
    return text;
  }

  /** Writes a request frame and waits for its reply; returns the teardown. */
  private startCall(packet: ReadPacket, deadline: number, callback: (packet: WritePacket) => void): () => void {
    const id = randomUUID();
    const socket = this.socket;
    let text: string;
    try {
      if (!socket || socket.readyState !== WebSocket.OPEN)
        throw ProtocolError.unavailable(CLIENT_NOT_CONNECTED(CLIENT_NAME), NOT_SENT_DETAILS);
      text = this.encodeFrame(packet, id, deadline);
    } catch (error) {
      callback({ err: error, isDisposed: true });
      return () => undefined;
    }
    this.pending.set(id, callback);
    socket.send(text, (error) => {
      if (!error || !this.pending.take(id, callback)) return;
      callback({ err: toClientError(error), isDisposed: true });
    });
    return () => void this.pending.take(id, callback);
  }

  private sendEvent<T>(packet: ReadPacket, deadline: number): Promise<T> {
    const socket = this.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN) {
      return Promise.reject(ProtocolError.unavailable(CLIENT_NOT_CONNECTED(CLIENT_NAME), NOT_SENT_DETAILS));
    }
    const text = this.encodeFrame(packet, undefined, deadline);
    return new Promise<T>((resolve, reject) =>
      socket.send(text, (error) => (error ? reject(toClientError(error)) : resolve(undefined as T))),
    );
  }

  private handleFrame(raw: RawData, isBinary: boolean): void {
    let frame: ReplyFrame;
    try {
      frame = isBinary ? {} : (JSON.parse(raw.toString()) as ReplyFrame);
    } catch {
      return this.log.debug('WebSocket client dropped a frame that is not JSON');
    }
    const id = typeof frame?.id === 'string' || typeof frame?.id === 'number' ? String(frame.id) : undefined;
    const callback = id === undefined ? undefined : this.pending.get(id);
    // Late (after the deadline), an ack of nothing we wait for, or an error without id.
    if (!callback || id === undefined) return this.log.debug('WebSocket client dropped a frame that matches no call');
    this.pending.delete(id);
    if (frame.error !== undefined && frame.error !== null) callback({ err: frame.error, isDisposed: true });
    else callback({ response: frame.data ?? null, isDisposed: true });
  }

  private handleClose(socket: WebSocket): void {
    if (this.socket !== socket) return;
    this.socket = undefined;
    this.connection.reset();
    this._status$.next(ClientStatus.DISCONNECTED);
    this.failPending(ProtocolError.unavailable(CLIENT_CONNECTION_LOST(CLIENT_NAME)));
  }

  private failPending(error: ProtocolError): void {
    for (const callback of this.pending.drain()) callback({ err: error, isDisposed: true });
  }
}
