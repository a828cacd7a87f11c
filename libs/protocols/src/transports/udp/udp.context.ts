import type { RemoteInfo } from 'node:dgram';
import { BaseRpcContext } from '@nestjs/microservices';
import type { ProtocolAwareContext } from '../../context/protocol-aware-context.interface';

type UdpContextArgs = [RemoteInfo, string, Record<string, string>, string | undefined];

/**
 * The RPC context of a UDP datagram: the sender, the pattern, the envelope headers and
 * the request id (absent for events).
 *
 * @publicApi
 */
export class UdpContext extends BaseRpcContext<UdpContextArgs> implements ProtocolAwareContext {
  readonly protocol = 'udp' as const;

  /** Address, port and family of the sender. */
  getRemoteInfo(): RemoteInfo {
    return this.args[0];
  }

  getPattern(): string {
    return this.args[1];
  }

  getHeaders(): Record<string, string> {
    return this.args[2];
  }

  getRequestId(): string | undefined {
    return this.args[3];
  }
}
