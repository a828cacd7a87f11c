import { TcpContext } from '@nestjs/microservices';

/**
 * Nest's `TcpContext` (socket, pattern, metadata) plus the packet's id, so the request's
 * `ProtocolMessage.id` is the id the caller sent, as on every other protocol.
 * @internal
 */
export class TcpRequestContext extends TcpContext {
  constructor(
    args: ConstructorParameters<typeof TcpContext>[0],
    readonly requestId: string | undefined,
  ) {
    super(args);
  }
}
