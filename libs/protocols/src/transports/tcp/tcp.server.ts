import type { AddressInfo, Socket } from 'node:net';
import { ServerTCP, type MessageHandler } from '@nestjs/microservices';
import { TCP_DEFAULT_MAX_FRAME_BYTES } from '../../protocols.constants';
import type { TcpListenerOptions } from '../../interfaces/protocols-options.interface';
import { servesProtocol } from '../serves-protocol.util';

/**
 * Nest's TCP transport with Nagle's algorithm off (it adds ~40 ms stalls under
 * concurrency), a frame size limit, and Orion's per-protocol handler selection.
 *
 * @publicApi
 */
export class TcpServer extends ServerTCP {
  constructor(options: TcpListenerOptions = {}) {
    super({
      host: options.host ?? '127.0.0.1',
      port: options.port ?? 0,
      maxBufferSize: options.maxFrameBytes ?? TCP_DEFAULT_MAX_FRAME_BYTES,
      incompleteMessageTimeout: 30_000,
    });
  }

  override addHandler(pattern: unknown, callback: MessageHandler, isEventHandler?: boolean, extras?: Record<string, unknown>): void {
    // gRPC method patterns (objects) ride along on @Endpoint methods; TCP routes strings only.
    if (typeof pattern !== 'string' || !servesProtocol('tcp', extras)) return;
    super.addHandler(pattern, callback, isEventHandler, extras);
  }

  override bindHandler(socket: Socket): void {
    socket.setNoDelay(true);
    super.bindHandler(socket);
  }

  /** The bound address; valid after `listen`. */
  address(): AddressInfo {
    return this.server.address() as AddressInfo;
  }
}
