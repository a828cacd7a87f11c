import { HttpCode, RequestMapping, RequestMethod, SetMetadata, UseFilters, UseInterceptors } from '@nestjs/common';
import { EventPattern, MessagePattern } from '@nestjs/microservices';
import { ALL_PROTOCOLS, ENDPOINT_METADATA } from '../protocols.constants';
import type { EndpointMetadata, EndpointOptions } from '../interfaces/endpoint-options.interface';
import { MiddlewareChainInterceptor } from '../middleware/middleware-chain.interceptor';
import { ProtocolExceptionFilter } from '../filters/protocol-exception.filter';
import { assertValidPattern, defaultGrpcService, defaultHttpPath, toPascalCase } from '../utils/endpoint-defaults.util';

/** Extras every Orion server reads to decide whether it serves a handler. */
export interface EndpointPatternExtras {
  protocols: readonly string[];
  endpoint: EndpointMetadata;
}

function makeEndpointDecorator(isEvent: boolean) {
  return (pattern: string, options: EndpointOptions = {}): MethodDecorator => {
    const name = isEvent ? '@EventEndpoint' : '@Endpoint';
    assertValidPattern(pattern, name);
    const protocols = options.protocols ?? ALL_PROTOCOLS;
    for (const protocol of protocols) {
      if (!(ALL_PROTOCOLS as readonly string[]).includes(protocol)) {
        throw new TypeError(`${name}('${pattern}'): unknown protocol '${protocol}'; valid: ${ALL_PROTOCOLS.join(', ')}`);
      }
    }
    return (target, key, descriptor) => {
      const metadata: EndpointMetadata = {
        pattern,
        isEvent,
        protocols,
        http: { method: options.http?.method ?? 'POST', path: options.http?.path ?? defaultHttpPath(pattern) },
        grpc: {
          service: options.grpc?.service ?? defaultGrpcService(target.constructor.name),
          method: options.grpc?.method ?? toPascalCase(pattern),
        },
      };
      const grpcPattern = { service: metadata.grpc.service, rpc: metadata.grpc.method, streaming: 'no_stream' };
      const extras: EndpointPatternExtras = { protocols, endpoint: metadata };
      // NOTE: no transport id: every microservice server sees the handler and ours skip it
      // unless `extras.protocols` names them (Nest allows one transport per method only).
      const patterns = protocols.includes('grpc') ? [pattern, grpcPattern] : [pattern];
      const decorators: MethodDecorator[] = [
        SetMetadata(ENDPOINT_METADATA, metadata),
        UseInterceptors(MiddlewareChainInterceptor),
        UseFilters(ProtocolExceptionFilter),
        isEvent ? EventPattern(patterns, extras) : MessagePattern(patterns, extras),
      ];
      if (protocols.includes('http')) {
        decorators.push(RequestMapping({ path: metadata.http.path, method: RequestMethod[metadata.http.method] }));
        decorators.push(HttpCode(isEvent ? 202 : 200));
      }
      for (const decorator of decorators) decorator(target, key, descriptor);
      return descriptor;
    };
  };
}

/**
 * Serves the method as a request/response endpoint over every configured protocol (or
 * `options.protocols`). Guards, pipes, interceptors and filters apply as usual.
 *
 * @publicApi
 */
export const Endpoint = makeEndpointDecorator(false);

/**
 * Serves the method as a fire-and-forget event endpoint. No reply is sent (HTTP answers
 * 202 with an empty body once the handler is accepted).
 *
 * @publicApi
 */
export const EventEndpoint = makeEndpointDecorator(true);
