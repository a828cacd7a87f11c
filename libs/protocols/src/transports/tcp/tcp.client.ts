import { ClientTCP, type ReadPacket } from '@nestjs/microservices';
import type { Observable } from 'rxjs';
import { CLIENT_DEFAULT_TIMEOUT_MS, TCP_DEFAULT_MAX_FRAME_BYTES } from '../../protocols.constants';
import type { CallOptions, TcpClientOptions } from '../../interfaces/client-options.interface';
import { outgoingDeadline, outgoingHeaders } from '../../context/outgoing-headers.util';
import { withDeadline } from '../client-call.util';

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
 * @publicApi
 */
export class TcpClient extends ClientTCP {
  private readonly timeoutMs: number;

  constructor(options: TcpClientOptions) {
    super({
      host: options.host ?? '127.0.0.1',
      port: options.port,
      maxBufferSize: options.maxFrameBytes ?? TCP_DEFAULT_MAX_FRAME_BYTES,
    });
    this.timeoutMs = options.timeoutMs ?? CLIENT_DEFAULT_TIMEOUT_MS;
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
    const packet = super.createPacket(pattern, call.data);
    packet.metadata = outgoingHeaders(call.deadline, { ...packet.metadata, ...call.headers });
    return packet;
  }

  override createSocket(): ReturnType<ClientTCP['createSocket']> {
    const socket = super.createSocket();
    socket.netSocket.setNoDelay(true);
    return socket;
  }
}
