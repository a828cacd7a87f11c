import type { ProtocolMessage } from '../interfaces/protocol-message.interface';
import { msgContextFactory } from '../context/protocol-message.factory';
import { MiddlewareChainInterceptor } from '../middleware/middleware-chain.interceptor';
import { ProtocolExceptionFilter } from '../filters/protocol-exception.filter';
import type { DiscoveredEndpoint } from '../protocols.explorer';

// Nest's metadata keys (@nestjs/common constants, stable across 11 and 12).
const GUARDS = '__guards__';
const PIPES = '__pipes__';
const INTERCEPTORS = '__interceptors__';
const FILTERS = '__exceptionFilters__';
const ROUTE_ARGS = '__routeArguments__';
const CUSTOM_ARGS = '__customRouteArgs__';
/** RpcParamtype.PAYLOAD (`@Payload()`, `@Msg()`) and RpcParamtype.CONTEXT (`@Ctx()`). */
const PAYLOAD = 3;
const CONTEXT = 6;

interface ParamMetadata {
  index: number;
  data?: unknown;
  pipes?: unknown[];
  factory?: unknown;
}

/** The app-wide enhancers that would apply to the endpoint (Nest's ApplicationConfig). */
export interface GlobalEnhancers {
  getGlobalPipes?(): unknown[];
  getGlobalGuards?(): unknown[];
  getGlobalInterceptors?(): unknown[];
  getGlobalRequestPipes?(): unknown[];
  getGlobalRequestGuards?(): unknown[];
  getGlobalRequestInterceptors?(): unknown[];
}

type ArgReader = (message: ProtocolMessage, context: () => unknown) => unknown;

/** Why an endpoint keeps Nest's pipeline, or undefined when it can take the direct path. */
export function nestPipelineReason(endpoint: DiscoveredEndpoint, globals: GlobalEnhancers | undefined): string | undefined {
  if (!endpoint.isStatic || !endpoint.metatype) return 'request-scoped controller';
  const method = (endpoint.instance as Record<string, unknown>)[endpoint.methodName] as Function;
  const own = (key: string) => [
    ...((Reflect.getMetadata(key, endpoint.metatype as Function) as unknown[] | undefined) ?? []),
    ...((Reflect.getMetadata(key, method) as unknown[] | undefined) ?? []),
  ];
  if (own(GUARDS).length > 0) return 'guards';
  if (own(PIPES).length > 0) return 'pipes';
  if (own(INTERCEPTORS).some((i) => i !== MiddlewareChainInterceptor)) return 'interceptors';
  if (own(FILTERS).some((f) => f !== ProtocolExceptionFilter)) return 'exception filters';
  const count = (get?: () => unknown[]) => (get ? get.call(globals).length : 0);
  if (globals) {
    if (count(globals.getGlobalPipes) + count(globals.getGlobalRequestPipes) > 0) return 'global pipes';
    if (count(globals.getGlobalGuards) + count(globals.getGlobalRequestGuards) > 0) return 'global guards';
    if (count(globals.getGlobalInterceptors) + count(globals.getGlobalRequestInterceptors) > 0) return 'global interceptors';
  }
  if (argReaders(endpoint) === undefined) return 'parameter decorators with pipes or of other kinds';
  return undefined;
}

/**
 * How to build the handler's arguments without Nest's parameter pipeline: `@Msg()` /
 * `@Payload()` (whole or one property), `@MsgContext()` and `@Ctx()`, none with pipes.
 * Undefined when any parameter needs more (pipes, other custom decorators).
 */
export function argReaders(endpoint: DiscoveredEndpoint): ArgReader[] | undefined {
  if (!endpoint.metatype) return undefined;
  const params = Reflect.getMetadata(ROUTE_ARGS, endpoint.metatype, endpoint.methodName) as Record<string, ParamMetadata> | undefined;
  // No parameter decorators: Nest passes (data, context).
  if (!params || Object.keys(params).length === 0) return [(m) => m.payload, (_m, context) => context()];
  const readers: ArgReader[] = [];
  for (const [key, param] of Object.entries(params)) {
    if ((param.pipes?.length ?? 0) > 0) return undefined;
    let reader: ArgReader;
    if (key.includes(CUSTOM_ARGS)) {
      if (param.factory !== msgContextFactory) return undefined;
      reader = (m) => m;
    } else {
      const type = Number(key.split(':')[0]);
      const field = param.data;
      if (type === PAYLOAD && field === undefined) reader = (m) => m.payload;
      else if (type === PAYLOAD && typeof field === 'string')
        reader = (m) => (m.payload as Record<string, unknown> | null | undefined)?.[field];
      else if (type === CONTEXT) reader = (_m, context) => context();
      else return undefined;
    }
    readers[param.index] = reader;
  }
  for (let i = 0; i < readers.length; i++) readers[i] ??= () => undefined;
  return readers;
}

/** The controller method as a plain call with its arguments read from the message. */
export function compileInvoke(
  endpoint: DiscoveredEndpoint,
  readers: ArgReader[],
): (message: ProtocolMessage, context: () => unknown) => unknown {
  const instance = endpoint.instance as Record<string, (...args: unknown[]) => unknown>;
  const method = instance[endpoint.methodName];
  switch (readers.length) {
    case 0:
      return () => method.call(instance);
    case 1: {
      const [a] = readers;
      return (m, c) => method.call(instance, a(m, c));
    }
    case 2: {
      const [a, b] = readers;
      return (m, c) => method.call(instance, a(m, c), b(m, c));
    }
    default:
      return (m, c) =>
        method.apply(
          instance,
          readers.map((read) => read(m, c)),
        );
  }
}

/** An `async` method keeps its message across `await` only inside the async context. */
export function isAsyncMethod(endpoint: DiscoveredEndpoint): boolean {
  const method = (endpoint.instance as Record<string, unknown>)[endpoint.methodName];
  const kind = (method as { constructor?: { name?: string } } | undefined)?.constructor?.name;
  return kind === 'AsyncFunction' || kind === 'AsyncGeneratorFunction';
}
