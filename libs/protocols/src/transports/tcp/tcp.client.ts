import { ClientTCP, type ReadPacket } from '@nestjs/microservices';
import type { Observable } from 'rxjs';
import { CLIENT_DEFAULT_TIMEOUT_MS, TCP_DEFAULT_MAX_FRAME_BYTES } from '../../protocols.constants';
import type { TcpClientOptions } from '../../interfaces/client-options.interface';
import { outgoingDeadline, outgoingHeaders } from '../../context/outgoing-headers.util';
import { withDeadline } from '../client-call.util';

/**
 * Nest's TCP client with Nagle's algorithm off, a deadline on every call (a send to a
 * dead server ends with UNAVAILABLE or DEADLINE_EXCEEDED, never hangs), and Orion headers
 * (correlation id, remaining budget) in the packet metadata.
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

  override send<TResult = unknown, TInput = unknown>(pattern: string, data: TInput): Observable<TResult> {
    const deadline = outgoingDeadline(this.timeoutMs);
    return withDeadline(super.send<TResult, TInput>(pattern, data), deadline, pattern);
  }

  protected override createPacket<TInput>(pattern: unknown, data: TInput): ReadPacket {
    const packet = super.createPacket(pattern, data);
    packet.metadata = outgoingHeaders(outgoingDeadline(this.timeoutMs), packet.metadata);
    return packet;
  }

  override createSocket(): ReturnType<ClientTCP['createSocket']> {
    const socket = super.createSocket();
    socket.netSocket.setNoDelay(true);
    return socket;
  }
}
