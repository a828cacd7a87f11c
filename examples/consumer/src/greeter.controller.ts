import { Controller } from '@nestjs/common';
import { Endpoint, Msg, MsgContext, ProtocolError, type ProtocolMessage } from '@orion/protocols';

export interface GreetRequest {
  name: string;
}

export interface Greeting {
  greeting: string;
  /** Which protocol the call arrived on, and which process answered. */
  protocol: string;
  pid: number;
  /** The caller's correlation id: Orion headers cross processes and protocols. */
  correlationId?: string;
}

/** One handler, served on every protocol the app enables (here HTTP, WebSocket, TCP, UDP and gRPC). */
@Controller()
export class GreeterController {
  // HTTP: POST /greet (the pattern's default route); WebSocket, TCP, UDP and gRPC: pattern 'greet'.
  @Endpoint('greet')
  greet(@Msg() request: GreetRequest, @MsgContext() message: ProtocolMessage): Greeting {
    if (typeof request?.name !== 'string' || request.name.length === 0) {
      throw ProtocolError.invalidArgument('name must be a non-empty string');
    }
    return {
      greeting: `Hello, ${request.name}!`,
      protocol: message.protocol,
      pid: process.pid,
      correlationId: message.headers['x-correlation-id'],
    };
  }
}
