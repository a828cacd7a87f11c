import {
  Controller,
  HttpCode,
  Inject,
  RequestMapping,
  RequestMethod,
  SetMetadata,
  UseFilters,
  UseInterceptors,
  type Type,
} from '@nestjs/common';
import { EventPattern, MessagePattern } from '@nestjs/microservices';
import { ENDPOINT_METADATA } from '../protocols.constants';
import type { EndpointPatternExtras } from '../decorators/endpoint.decorator';
import { MsgContext } from '../decorators/msg.decorator';
import { UseMiddleware } from '../decorators/use-middleware.decorator';
import type { EndpointMetadata } from '../interfaces/endpoint-options.interface';
import type { ProtocolMessage } from '../interfaces/protocol-message.interface';
import { MiddlewareChainInterceptor } from '../middleware/middleware-chain.interceptor';
import { ProtocolExceptionFilter } from '../filters/protocol-exception.filter';
import { BridgeRawSource } from './bridge-source.decorator';
import type { CompiledBridgeRule, RawBridgeSource } from './compiled-bridge-rule.interface';
import { ProtocolBridge } from './protocol-bridge';

/**
 * What `@Endpoint` would apply, for a rule: the same metadata, middleware chain, error
 * filter and Nest pattern or route, but for one protocol and with MQTT wildcards allowed.
 */
function endpointDecorators(rule: CompiledBridgeRule): MethodDecorator[] {
  const protocols = [rule.protocol] as const;
  const metadata: EndpointMetadata = { pattern: rule.pattern, isEvent: rule.isEvent, protocols, http: rule.http, grpc: rule.grpc };
  const extras: EndpointPatternExtras = { protocols, endpoint: metadata };
  const decorators: MethodDecorator[] = [
    SetMetadata(ENDPOINT_METADATA, metadata),
    UseInterceptors(MiddlewareChainInterceptor),
    UseFilters(ProtocolExceptionFilter),
  ];
  if (rule.middleware.length > 0) decorators.push(UseMiddleware(...rule.middleware));
  const asPattern = (pattern: string | object): MethodDecorator =>
    rule.isEvent ? (EventPattern(pattern, extras) as MethodDecorator) : MessagePattern(pattern, extras);
  if (rule.protocol === 'http') {
    decorators.push(RequestMapping({ path: rule.http.path, method: RequestMethod[rule.http.method] }), HttpCode(rule.isEvent ? 202 : 200));
  } else if (rule.protocol === 'grpc') {
    decorators.push(asPattern([{ service: rule.grpc.service, rpc: rule.grpc.method, streaming: 'no_stream' }]));
  } else {
    decorators.push(asPattern(rule.pattern));
  }
  return decorators;
}

/**
 * A controller class serving `rules`: one method per rule, bound by Nest like any
 * `@Endpoint` (so guards, interceptors, the middleware chain, timings and the error
 * filter apply), each forwarding through `ProtocolBridge`.
 *
 * NOTE: generated per `ProtocolBridgeModule.forRoot` because Nest binds handlers from
 * controller metadata only; this is how rules on MQTT, TCP, UDP, WebSocket, gRPC and HTTP
 * get handlers without touching the listeners.
 */
export function createBridgeController(rules: readonly CompiledBridgeRule[]): Type<unknown> {
  @Controller()
  class BridgeController {
    constructor(@Inject(ProtocolBridge) readonly bridge: ProtocolBridge) {}
  }
  const prototype = BridgeController.prototype as unknown as Record<string, unknown>;
  for (const rule of rules) {
    const handler = function (this: BridgeController, message: ProtocolMessage, raw: RawBridgeSource) {
      return this.bridge.forward(rule, message, raw);
    };
    Object.defineProperty(handler, 'name', { value: rule.methodName });
    Object.defineProperty(prototype, rule.methodName, { value: handler, writable: true, configurable: true, enumerable: false });
    MsgContext()(prototype, rule.methodName, 0);
    BridgeRawSource()(prototype, rule.methodName, 1);
    const descriptor = Object.getOwnPropertyDescriptor(prototype, rule.methodName)!;
    for (const decorate of endpointDecorators(rule)) decorate(prototype, rule.methodName, descriptor);
  }
  return BridgeController;
}
