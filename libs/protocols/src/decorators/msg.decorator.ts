import { createParamDecorator, type PipeTransform, type Type } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { msgContextFactory } from '../context/protocol-message.factory';

type PipeRef = Type<PipeTransform> | PipeTransform;

/**
 * The payload of the message, whatever the protocol. HTTP: the JSON body; when it is an
 * object, query parameters and path parameters are merged in (`{ ...query, ...body,
 * ...params }`: path params win). `@Msg('field')` picks one property of it.
 *
 * Pipes see it as a body (`ArgumentMetadata.type === 'body'`), like `@Body()` and
 * `@Payload()`: `@Msg(new ValidationPipe())`, a global `app.useGlobalPipes(new
 * ValidationPipe())` and class or method `@UsePipes` validate it on every protocol, with
 * no `validateCustomDecorators` flag.
 *
 * @publicApi
 */
export function Msg(): ParameterDecorator;
export function Msg(...pipes: PipeRef[]): ParameterDecorator;
export function Msg(property: string, ...pipes: PipeRef[]): ParameterDecorator;
export function Msg(...args: Array<string | PipeRef>): ParameterDecorator {
  // NOTE: Nest's payload parameter (RpcParamtype.PAYLOAD) has the same key as the HTTP body
  // (RouteParamtypes.BODY, both 3), so one metadata entry serves both routers, and pipes get
  // type 'body' where a custom decorator would get 'custom' (which ValidationPipe skips).
  // On HTTP the middleware chain puts the merged payload in `req.body` before pipes run.
  return (Payload as (...a: Array<string | PipeRef>) => ParameterDecorator)(...args);
}

/**
 * The whole `ProtocolMessage` (id, protocol, pattern, payload, headers, receivedAt,
 * deadline).
 *
 * @publicApi
 */
export const MsgContext = createParamDecorator(msgContextFactory);
