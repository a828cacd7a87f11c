import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { MqttContext } from '@nestjs/microservices';
import type { Request } from 'express';
import type { RawBridgeSource } from './compiled-bridge-rule.interface';

/** @internal what a bridge handler needs of the raw request: the MQTT topic, the HTTP path and params. */
export const BridgeRawSource = createParamDecorator((_data: unknown, ctx: ExecutionContext): RawBridgeSource => {
  if (ctx.getType<string>() === 'http') {
    const request = ctx.switchToHttp().getRequest<Request>();
    return { path: request.path, params: { ...(request.params as Record<string, string>) } };
  }
  if (ctx.getType<string>() === 'rpc') {
    const context: unknown = ctx.switchToRpc().getContext();
    if (context instanceof MqttContext) return { topic: context.getTopic() };
  }
  return {};
});
