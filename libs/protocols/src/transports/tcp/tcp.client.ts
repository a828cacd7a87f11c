import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { StringDecoder } from 'node:string_decoder';
import { Logger } from '@nestjs/common';
import { ClientProxy, type ReadPacket, type WritePacket } from '@nestjs/microservices';
import { connectable, Observable, Subject } from 'rxjs';
import { CLIENT_DEFAULT_TIMEOUT_MS, TCP_DEFAULT_MAX_FRAME_BYTES } from '../../protocols.constants';
import type { CallOptions, TcpClientOptions } from '../../interfaces/client-options.interface';
import { outgoingDeadline, outgoingHeaders } from '../../context/outgoing-headers.util';
import { ProtocolError } from '../../errors/protocol.error';
import { NOT_SENT_DETAILS, toClientError } from '../client-call.util';
import { CLIENT_NOT_SERIALIZABLE } from '../client.messages';
import { ClientStatus, ForwardedListeners, observeCall, PendingCalls, type CallCallback } from '../client-shell.util';
import { clientTlsOptions, loadClientTls, type ClientTlsConnectOptions } from '../../tls/tls-material.util';
import { tlsFailureMessage } from '../../tls/tls-failure.util';

/** Longest accepted length prefix of a reply frame. */
const MAX_PREFIX_DIGITS = 10;

/** Socket events `on()` forwards (`error`, `close`, `end`, ...). */
type SocketListener = (...args: unknown[]) => void;

/**
 * Orion's TCP client: Nest's TCP framing (`<length>#<json>`, as `ClientTCP` and our
 * `TcpServer` speak it) without Nest's per-call `ClientProxy` machinery. A call is a numeric
 * id in a table; every call is written at once (calls made before the connection is up go
 * together when it is), and every deadline hangs off one sweep timer (see `PendingCalls`). Nagle's
 * algorithm is off; Orion headers (correlation id, remaining budget, per-call headers) go in
 * the packet metadata.
 *
 * `call()` is the promise-free fast path the balanced clients use; `send()` is a cold,
 * cancellable Observable over it and `emit()` is hot, as Nest's are.
 *
 * Failures are `ProtocolError`s: a refused connection or a failed TLS handshake is
 * UNAVAILABLE with `isRequestSent: false`; a connection lost with calls in flight fails them
 * with UNAVAILABLE (`isRequestSent: false` for those never written); a payload JSON cannot
 * encode is INVALID_ARGUMENT; no reply by the deadline is DEADLINE_EXCEEDED. Socket errors
 * are the calls' answers, not log lines.
 *
 * @publicApi
 */
export class TcpClient extends ClientProxy<Record<string, SocketListener>, ClientStatus> {
  private readonly logger = new Logger('TcpClient');
  private readonly host: string;
  private readonly port: number;
  private readonly timeoutMs: number;
  private readonly maxFrameLength: number;
  private readonly tls: ClientTlsConnectOptions | undefined;
  private readonly pending = new PendingCalls();
  private readonly listeners = new ForwardedListeners();
  private socket: Socket | undefined;
  private connecting: Promise<void> | undefined;
  private isConnected = false;
  /** Frames made before the connection was up, written together once it is. */
  private outbox: string[] = [];
  /** Ids in `outbox` and events waiting for their write, by position. */
  private outboxCalls: (number | CallCallback)[] = [];
  private text = '';
  private expected = -1;
  private decoder = new StringDecoder('utf8');
  /** The TLS failure reported on the current socket, given to the calls its close fails. */
  private tlsFailure: Error | undefined;

  constructor(options: TcpClientOptions) {
    super();
    this.host = options.host ?? '127.0.0.1';
    this.port = options.port;
    this.timeoutMs = options.timeoutMs ?? CLIENT_DEFAULT_TIMEOUT_MS;
    this.maxFrameLength = options.maxFrameBytes ?? TCP_DEFAULT_MAX_FRAME_BYTES;
    this.tls = options.tls ? clientTlsOptions(loadClientTls(options.tls, 'tls')) : undefined;
  }

  /**
   * Sends a request and calls `done` once with its reply or a `ProtocolError`; returns the
   * call's id for `cancel`. The deadline is the call's (or the client's) timeout, cut short by
   * the deadline of the request being handled.
   */
  call(pattern: string, data: unknown, options: CallOptions | undefined, done: CallCallback): number {
    const deadline = outgoingDeadline(options?.timeoutMs ?? this.timeoutMs);
    const call = this.pending.add(deadline, pattern, done);
    const frame = this.encode(pattern, data, deadline, options?.headers, call.id);
    if (frame === undefined)
      this.pending.settle(call.id, ProtocolError.invalidArgument(CLIENT_NOT_SERIALIZABLE(pattern), NOT_SENT_DETAILS));
    else this.enqueue(frame, call.id);
    return call.id;
  }

  /** Forgets call `id`: its reply, if one comes, is dropped. */
  cancel(id: number): void {
    this.pending.drop(id);
  }

  override send<TResult = unknown, TInput = unknown>(pattern: string, data: TInput, options?: CallOptions): Observable<TResult> {
    return observeCall<TResult>(
      (done) => this.call(pattern, data, options, done),
      (id) => this.cancel(id),
    );
  }

  /** Sends an event at once (hot); subscribe to learn when it was written, or why not. */
  override emit<TResult = unknown, TInput = unknown>(pattern: string, data: TInput, options?: CallOptions): Observable<TResult> {
    const source = new Observable<TResult>((subscriber) => {
      // Like Nest's ClientProxy#emit: one undefined value once written, so lastValueFrom() resolves.
      this.event(pattern, data, options, (error) => {
        if (error !== undefined) return subscriber.error(error);
        subscriber.next(undefined as TResult);
        subscriber.complete();
      });
    });
    const eager = connectable(source, { connector: () => new Subject<TResult>(), resetOnDisconnect: false });
    eager.connect();
    return eager;
  }

  /** Connects (once; later calls share the attempt). Over TLS, connected means the handshake is done. */
  connect(): Promise<void> {
    if (this.isConnected) return Promise.resolve();
    return (this.connecting ??= new Promise<void>((resolve, reject) => {
      const socket = this.tls
        ? tlsConnect({ host: this.host, port: this.port, ...this.tls })
        : netConnect({ host: this.host, port: this.port });
      this.socket = socket;
      socket.setNoDelay(true);
      this.listeners.attachTo(socket);
      let isOpen = false;
      socket.once(this.tls ? 'secureConnect' : 'connect', () => {
        isOpen = true;
        this.isConnected = true;
        this._status$.next(ClientStatus.CONNECTED);
        this.flush();
        resolve();
      });
      socket.on('data', (chunk: Buffer) => this.receive(chunk));
      socket.on('error', (error: Error) => {
        if (tlsFailureMessage(error) !== undefined) this.tlsFailure = error;
        else this.logger.debug(`${this.host}:${this.port}: ${error.message}`);
        if (!isOpen) reject(toClientError(error));
      });
      socket.on('close', () => this.closed(socket));
    }));
  }

  close(): void {
    this.socket?.destroy();
  }

  unwrap<T>(): T {
    return this.socket as T;
  }

  /** Listens to the socket's events (`error`, `close`, ...), now and after reconnects. */
  override on(event: string, callback: SocketListener): void {
    this.listeners.add(event, callback, this.socket);
  }

  protected publish(packet: ReadPacket, callback: (packet: WritePacket) => void): () => void {
    const id = this.call(String(packet.pattern), packet.data, undefined, (err, response) =>
      callback(err === undefined ? { response, isDisposed: true } : { err }),
    );
    return () => this.cancel(id);
  }

  protected dispatchEvent<T = unknown>(packet: ReadPacket): Promise<T> {
    return new Promise<T>((resolve, reject) =>
      this.event(String(packet.pattern), packet.data, undefined, (error) =>
        error === undefined ? resolve(undefined as T) : reject(error),
      ),
    );
  }

  private event(pattern: string, data: unknown, options: CallOptions | undefined, done: CallCallback): void {
    const frame = this.encode(pattern, data, outgoingDeadline(options?.timeoutMs ?? this.timeoutMs), options?.headers, undefined);
    if (frame === undefined) done(ProtocolError.invalidArgument(CLIENT_NOT_SERIALIZABLE(pattern), NOT_SENT_DETAILS));
    else this.enqueue(frame, done);
  }

  /** The frame of a packet, or undefined when JSON cannot encode it (deep nesting, BigInt, cycles). */
  private encode(pattern: string, data: unknown, deadline: number, headers: Record<string, string> | undefined, id: number | undefined) {
    let json: string;
    try {
      json = JSON.stringify({ pattern, data, id, metadata: outgoingHeaders(deadline, headers) });
    } catch {
      return undefined;
    }
    return `${json.length}#${json}`;
  }

  private enqueue(frame: string, owner: number | CallCallback): void {
    // NOTE: every call is written at once. Joining the calls of one tick into one write (as
    // the server joins its replies) saved client CPU but made client and server take turns:
    // a burst of replies became a burst of calls that the server only saw once all were
    // made, so on two cores one of them idled. Measured (bench/client-cpu.ts, Orion
    // instance, c=16 / 128): 69k / 100k req/s joined, 96k / 129k written at once, at
    // +0.8 / +1.5 µs of client CPU per call. Node still joins writes the kernel cannot take yet.
    if (this.isConnected) {
      if (typeof owner === 'number') this.socket!.write(frame, 'utf8');
      else this.socket!.write(frame, 'utf8', (error) => owner(error ? toClientError(error) : undefined));
      return;
    }
    this.outbox.push(frame);
    this.outboxCalls.push(owner);
    this.connect().catch((error: ProtocolError) => this.failUnsent(error));
  }

  /** Writes what was queued before the connection was up, in one `write`. */
  private flush(): void {
    const socket = this.socket;
    if (!this.isConnected || socket === undefined || this.outbox.length === 0) return;
    const frames = this.outbox;
    const owners = this.outboxCalls;
    this.outbox = [];
    this.outboxCalls = [];
    const events = owners.filter((owner): owner is CallCallback => typeof owner === 'function');
    const text = frames.length === 1 ? frames[0] : frames.join('');
    if (events.length === 0) socket.write(text, 'utf8');
    else
      socket.write(text, 'utf8', (error) => {
        for (const done of events) done(error ? toClientError(error) : undefined);
      });
  }

  /** Fails what was never written (the connection could not be made). */
  private failUnsent(error: ProtocolError): void {
    const owners = this.outboxCalls;
    this.outbox = [];
    this.outboxCalls = [];
    const unsent = error.code === 'UNAVAILABLE' ? error : ProtocolError.unavailable(error.message, NOT_SENT_DETAILS);
    for (const owner of owners) {
      if (typeof owner === 'function') owner(unsent);
      else this.pending.settle(owner, unsent);
    }
  }

  private closed(socket: Socket): void {
    if (this.socket !== socket) return;
    const failure = this.tlsFailure;
    this.socket = undefined;
    this.connecting = undefined;
    this.isConnected = false;
    this.tlsFailure = undefined;
    this.text = '';
    this.expected = -1;
    this.decoder = new StringDecoder('utf8');
    this._status$.next(ClientStatus.DISCONNECTED);
    // TLS 1.3 reports a refused client certificate after the handshake: every call gets its reason.
    const lost = failure ? toClientError(failure) : ProtocolError.unavailable('Connection closed');
    const unsent = failure ? lost : ProtocolError.unavailable('Connection closed before the request was sent', NOT_SENT_DETAILS);
    // NOTE: calls still in the outbox were never written; the others may have run.
    this.failUnsent(unsent);
    this.pending.failAll(() => lost);
  }

  /** Parses every complete reply frame received. */
  private receive(chunk: Buffer): void {
    this.text += this.decoder.write(chunk);
    for (;;) {
      if (this.expected < 0) {
        const hash = this.text.indexOf('#');
        if (hash < 0) {
          if (this.text.length > MAX_PREFIX_DIGITS) this.corrupt('a reply frame without a length prefix');
          return;
        }
        const length = Number(this.text.slice(0, hash));
        if (!(hash > 0 && hash <= MAX_PREFIX_DIGITS && Number.isInteger(length) && length >= 0))
          return this.corrupt('a malformed reply frame');
        if (length > this.maxFrameLength) return this.corrupt(`a reply frame of ${length} characters (limit ${this.maxFrameLength})`);
        this.expected = length;
        this.text = this.text.slice(hash + 1);
      }
      if (this.text.length < this.expected) return;
      const frame = this.text.slice(0, this.expected);
      this.text = this.text.slice(this.expected);
      this.expected = -1;
      this.reply(frame);
    }
  }

  private reply(frame: string): void {
    let packet: { id?: unknown; err?: unknown; response?: unknown; isDisposed?: boolean };
    try {
      packet = JSON.parse(frame) as typeof packet;
    } catch {
      return this.corrupt('a reply that is not JSON');
    }
    if (typeof packet?.id !== 'number') return;
    const call = this.pending.get(packet.id);
    if (call === undefined) return;
    if (packet.err) return this.pending.settle(call.id, toClientError(packet.err));
    if (packet.response !== undefined) call.value = packet.response;
    if (packet.isDisposed) this.pending.settle(call.id, undefined, call.value);
  }

  /** The stream cannot be trusted past a bad frame: fail what is pending and reconnect on the next call. */
  private corrupt(what: string): void {
    this.logger.warn(`${this.host}:${this.port} sent ${what}; closing the connection`);
    const socket = this.socket;
    if (socket === undefined) return;
    this.closed(socket);
    socket.destroy();
  }
}
