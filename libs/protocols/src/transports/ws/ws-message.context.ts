import { BaseRpcContext } from '@nestjs/microservices';
import type { WebSocket } from 'ws';
import type { ProtocolAwareContext } from '../../context/protocol-aware-context.interface';

type WsContextArgs = [WebSocket, string, Record<string, string>, string | undefined];

/**
 * The RPC context of Orion WebSocket endpoints: the socket, the pattern and the headers of
 * the frame (merged over the upgrade request's headers).
 *
 * @publicApi
 */
export class WsMessageContext extends BaseRpcContext<WsContextArgs> implements ProtocolAwareContext {
  readonly protocol = 'ws' as const;

  getSocket(): WebSocket {
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
