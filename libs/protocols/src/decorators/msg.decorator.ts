import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { getProtocolMessage } from '../context/protocol-message.factory';

/**
 * The payload of the message, whatever the protocol. HTTP: the JSON body; when it is an
 * object, query parameters and path parameters are merged in (`{ ...query, ...body,
 * ...params }`: path params win). Accepts pipes: `@Msg(new ValidationPipe())`.
 *
 * @publicApi
 */
export const Msg = createParamDecorator((_data: unknown, ctx: ExecutionContext) => getProtocolMessage(ctx).payload);

/**
 * The whole `ProtocolMessage` (id, protocol, pattern, payload, headers, receivedAt,
 * deadline).
 *
 * @publicApi
 */
export const MsgContext = createParamDecorator((_data: unknown, ctx: ExecutionContext) => getProtocolMessage(ctx));
