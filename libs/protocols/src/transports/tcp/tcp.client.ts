import { ClientTCP, type ReadPacket, type WritePacket } from '@nestjs/microservices';
import type { Observable } from 'rxjs';
import { CLIENT_DEFAULT_TIMEOUT_MS, TCP_DEFAULT_MAX_FRAME_BYTES } from '../../protocols.constants';
import type { CallOptions, TcpClientOptions } from '../../interfaces/client-options.interface';
import { outgoingDeadline, outgoingHeaders } from '../../context/outgoing-headers.util';
import { NOT_SENT_DETAILS, toClientError, withDeadline } from '../client-call.util';
import { CLIENT_NOT_SERIALIZABLE } from '../client.messages';
import { ProtocolError } from '../../errors/protocol.error';
import { clientTlsOptions, loadClientTls } from '../../tls/tls-material.util';
import { tlsFailureMessage } from '../../tls/tls-failure.util';

/** What `JSON.stringify` throws for a payload it cannot encode (deep nesting, too long, BigInt, cycles). */
const isEncodingError = (error: unknown): boolean =>
  error instanceof RangeError || (error instanceof TypeError && /BigInt|circular/i.test(error.message));

/** Carries one call's deadline and headers from `send`/`emit` to `createPacket`. */
class OutgoingCall {
  constructor(
    readonly data: unknown,
    readonly deadline: number,
    readonly headers?: Record<string, string>,
  ) {}
}

/**
 * Nest's TCP client with Nagle's algorithm off, a deadline on every call (a send to a
 * dead server ends with UNAVAILABLE or DEADLINE_EXCEEDED, never hangs), and Orion headers
 * (correlation id, remaining budget, per-call headers) in the packet metadata.
 *
 * With `tls` it connects over TLS and counts as connected once the handshake is done; a
 * failed handshake (untrusted server, client certificate refused) fails the calls with
 * UNAVAILABLE, `isRequestSent: false`, naming the reason.
 *
 * @publicApi
 */
export class TcpClient extends ClientTCP {
  private readonly timeoutMs: number;
  private readonly isTls: boolean;
  /** The TLS failure reported on the current socket, given to the calls its close fails. */
  private tlsFailure?: Error;

  constructor(options: TcpClientOptions) {
    super({
      host: options.host ?? '127.0.0.1',
      port: options.port,
      maxBufferSize: options.maxFrameBytes ?? TCP_DEFAULT_MAX_FRAME_BYTES,
      ...(options.tls ? { tlsOptions: clientTlsOptions(loadClientTls(options.tls, 'tls')) } : {}),
    });
    this.timeoutMs = options.timeoutMs ?? CLIENT_DEFAULT_TIMEOUT_MS;
    this.isTls = options.tls !== undefined;
  }

  override send<TResult = unknown, TInput = unknown>(pattern: string, data: TInput, options: CallOptions = {}): Observable<TResult> {
    const deadline = outgoingDeadline(options.timeoutMs ?? this.timeoutMs);
    const call = new OutgoingCall(data, deadline, options.headers);
    return withDeadline(super.send<TResult, OutgoingCall>(pattern, call), deadline, pattern);
  }

  override emit<TResult = unknown, TInput = unknown>(pattern: string, data: TInput, options: CallOptions = {}): Observable<TResult> {
    const deadline = outgoingDeadline(options.timeoutMs ?? this.timeoutMs);
    return withDeadline(super.emit<TResult, OutgoingCall>(pattern, new OutgoingCall(data, deadline, options.headers)), deadline, pattern);
  }

  protected override createPacket<TInput>(pattern: unknown, data: TInput): ReadPacket {
    const call = data instanceof OutgoingCall ? data : new OutgoingCall(data, outgoingDeadline(this.timeoutMs));
    // NOTE: Nest 11's ClientProxy has no createPacket.
    const packet: ReadPacket =
      typeof super.createPacket === 'function' ? super.createPacket(pattern, call.data) : { pattern, data: call.data };
    packet.metadata = outgoingHeaders(call.deadline, { ...packet.metadata, ...call.headers });
    return packet;
  }

  /** Nest 11 hands `send`'s `{ pattern, data }` to `publish` without calling `createPacket`. */
  protected override publish(packet: ReadPacket, callback: (packet: WritePacket) => void): () => void {
    // NOTE: Nest reports a payload JSON cannot encode (deep nesting, BigInt, cycles) as the engine's
    // error; it is the caller's INVALID_ARGUMENT, never sent, as on our other transports.
    const pattern = String(packet.pattern);
    return super.publish(this.toPacket(packet), (reply) =>
      callback(
        isEncodingError(reply.err) ? { err: ProtocolError.invalidArgument(CLIENT_NOT_SERIALIZABLE(pattern), NOT_SENT_DETAILS) } : reply,
      ),
    );
  }

  protected override dispatchEvent<T = unknown>(packet: ReadPacket): Promise<T> {
    return super.dispatchEvent(this.toPacket(packet));
  }

  private toPacket(packet: ReadPacket): ReadPacket {
    return packet.data instanceof OutgoingCall ? this.createPacket(packet.pattern, packet.data) : packet;
  }

  override handleError(error: unknown): void {
    // NOTE: a TLS failure is the calls' answer (see handleClose), not a client error to log.
    if (tlsFailureMessage(error) === undefined) return super.handleError(error);
    this.tlsFailure = error as Error;
  }

  override handleClose(): void {
    const failure = this.tlsFailure;
    this.tlsFailure = undefined;
    if (failure) {
      // TLS 1.3 reports a refused client certificate after the handshake: calls already written get its reason.
      const callbacks = [...this.routingMap.values()];
      this.routingMap.clear();
      for (const callback of callbacks) callback({ err: toClientError(failure), isDisposed: true });
    }
    super.handleClose();
  }

  /** Over TLS, connected means the handshake is done, so an untrusted server fails `connect()`. */
  protected override connect$(instance: unknown, errorEvent = 'error', connectEvent = 'connect'): Observable<unknown> {
    return super.connect$(instance, errorEvent, this.isTls && connectEvent === 'connect' ? 'secureConnect' : connectEvent);
  }

  override createSocket(): ReturnType<ClientTCP['createSocket']> {
    const socket = super.createSocket();
    socket.netSocket.setNoDelay(true);
    return socket;
  }
}
