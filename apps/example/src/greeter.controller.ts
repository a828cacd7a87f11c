import { Controller, Logger } from '@nestjs/common';
import { Endpoint, EventEndpoint, Msg, MsgContext, ProtocolError, type ProtocolMessage } from '@orion/protocols';

interface GreetRequest {
  name?: unknown;
}

/** One handler, every protocol: the example `npm start` serves. */
@Controller()
export class GreeterController {
  private readonly logger = new Logger('greeter');

  @Endpoint('greet', { http: { method: 'GET', path: '/greet/:name' } })
  greet(@Msg() request: GreetRequest, @MsgContext() message: ProtocolMessage) {
    if (typeof request?.name !== 'string' || request.name.length === 0 || request.name.length > 100) {
      throw ProtocolError.invalidArgument('name must be a string of 1..100 characters');
    }
    return { greeting: `Hello, ${request.name}!`, protocol: message.protocol, correlationId: message.headers['x-correlation-id'] };
  }

  @EventEndpoint('greeted')
  greeted(@Msg() event: unknown, @MsgContext() message: ProtocolMessage) {
    this.logger.log({ message: 'event received', protocol: message.protocol, event: JSON.stringify(event) });
  }
}
