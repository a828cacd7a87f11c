import type { ProtocolError, ProtocolErrorBody } from '../errors/protocol.error';
import type { Protocol } from './protocol.interface';
import type { ProtocolMessage } from './protocol-message.interface';

// The direct handler path as the transports see it: they look an endpoint up and run it.
// The runtime's dispatch/ implements these (so transports need nothing above the core).

/** Where a direct call sends its outcome: each value, then complete, or one error. @internal */
export interface DirectReply {
  next(value: unknown): void;
  complete(): void;
  /** The error as the exception filter would answer it (body with the correlation id). */
  error(body: ProtocolErrorBody, error: ProtocolError): void;
}

/** One `@Endpoint` compiled into plain calls (`DirectEndpoint`). @internal */
export interface DirectHandler {
  readonly isEvent: boolean;
  /** Runs the request; the outcome goes to `reply`. `context` builds the transport's context object, only if a parameter asks for it. */
  run(message: ProtocolMessage, reply: DirectReply, context: () => unknown): void;
}

/** The direct path's endpoints (`DirectEndpoints`): the one serving a pattern, or undefined (use Nest's handler). @internal */
export interface DirectHandlers {
  find(protocol: Protocol, pattern: string, nestHandler: unknown): DirectHandler | undefined;
}
