import 'reflect-metadata';
import {
  UseGuards,
  UseInterceptors,
  UsePipes,
  ValidationPipe,
  type CallHandler,
  type CanActivate,
  type NestInterceptor,
} from '@nestjs/common';
import { Ctx } from '@nestjs/microservices';
import { Endpoint } from '../decorators/endpoint.decorator';
import { Msg, MsgContext } from '../decorators/msg.decorator';
import type { ProtocolMessage } from '../interfaces/protocol-message.interface';
import type { DiscoveredEndpoint } from '../protocols.explorer';
import { argReaders, compileInvoke, isAsyncMethod, nestPipelineReason } from './direct-endpoint.compiler';

class AllowGuard implements CanActivate {
  canActivate() {
    return true;
  }
}
class PassInterceptor implements NestInterceptor {
  intercept(_ctx: unknown, next: CallHandler) {
    return next.handle();
  }
}

class Handlers {
  @Endpoint('plain')
  plain(@Msg() payload: unknown, @MsgContext() message: ProtocolMessage, @Msg('a') a: unknown, @Ctx() ctx: unknown) {
    return { payload, id: message.id, a, ctx };
  }
  @Endpoint('bare')
  bare(data: unknown, ctx: unknown) {
    return [data, ctx];
  }
  @Endpoint('later')
  async later() {
    return 1;
  }
  @Endpoint('guarded')
  @UseGuards(AllowGuard)
  guarded() {}
  @Endpoint('piped')
  @UsePipes(new ValidationPipe())
  piped() {}
  @Endpoint('param-pipe')
  paramPipe(@Msg(new ValidationPipe()) _body: unknown) {}
  @Endpoint('intercepted')
  @UseInterceptors(PassInterceptor)
  intercepted() {}
}

function endpoint(methodName: string): DiscoveredEndpoint {
  const instance = new Handlers();
  const metadata = Reflect.getMetadata('protocols:endpoint', (instance as unknown as Record<string, Function>)[methodName]);
  return { metadata, instance, methodName, className: 'Handlers', metatype: Handlers, isStatic: true };
}

const message = { id: 'm1', payload: { a: 7 } } as unknown as ProtocolMessage;

describe('direct path eligibility and compiled calls', () => {
  it('should take the direct path for @Msg(), @Msg(field), @MsgContext() and @Ctx() without pipes', () => {
    expect(nestPipelineReason(endpoint('plain'), undefined)).toBeUndefined();
    const invoke = compileInvoke(endpoint('plain'), argReaders(endpoint('plain'))!);
    expect(invoke(message, () => 'ctx')).toEqual({ payload: { a: 7 }, id: 'm1', a: 7, ctx: 'ctx' });
  });

  it('should pass (data, context) to a method without parameter decorators, as Nest does', () => {
    const invoke = compileInvoke(endpoint('bare'), argReaders(endpoint('bare'))!);
    expect(invoke(message, () => 'ctx')).toEqual([{ a: 7 }, 'ctx']);
  });

  it("should keep Nest's pipeline for guards, pipes, interceptors, parameter pipes, global pipes, request scope", () => {
    expect(nestPipelineReason(endpoint('guarded'), undefined)).toBe('guards');
    expect(nestPipelineReason(endpoint('piped'), undefined)).toBe('pipes');
    expect(nestPipelineReason(endpoint('intercepted'), undefined)).toBe('interceptors');
    expect(nestPipelineReason(endpoint('paramPipe'), undefined)).toBe('parameter decorators with pipes or of other kinds');
    expect(nestPipelineReason(endpoint('plain'), { getGlobalPipes: () => [new ValidationPipe()] })).toBe('global pipes');
    expect(nestPipelineReason(endpoint('plain'), { getGlobalGuards: () => [], getGlobalRequestGuards: () => [{}] })).toBe('global guards');
    expect(nestPipelineReason({ ...endpoint('plain'), isStatic: false }, undefined)).toBe('request-scoped controller');
  });

  it('should tell async methods (they run inside the async context)', () => {
    expect(isAsyncMethod(endpoint('later'))).toBe(true);
    expect(isAsyncMethod(endpoint('plain'))).toBe(false);
  });
});
