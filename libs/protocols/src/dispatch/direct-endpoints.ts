import { Logger } from '@nestjs/common';
import type { Protocol } from '../interfaces/protocol.interface';
import type { DirectHandler, DirectHandlers } from '../interfaces/direct-dispatch.interface';
import type { ProtocolMessage } from '../interfaces/protocol-message.interface';
import type { MiddlewareResolver } from '../middleware/middleware-resolver';
import type { ProtocolTimings } from '../middleware/protocol-timings';
import type { DiscoveredEndpoint } from '../protocols.explorer';
import { DeadlineWheel } from './deadline-wheel';
import { DirectCall, type DirectEndpointParts, type DirectReply } from './direct-call';
import { argReaders, compileInvoke, isAsyncMethod, nestPipelineReason, type GlobalEnhancers } from './direct-endpoint.compiler';

/** One `@Endpoint` compiled into plain calls. @internal */
export class DirectEndpoint implements DirectHandler {
  constructor(private readonly parts: DirectEndpointParts) {}

  get isEvent(): boolean {
    return this.parts.isEvent;
  }

  /** Runs the request; the outcome goes to `reply`. `context` builds the transport's context object, only if a parameter asks for it. */
  run(message: ProtocolMessage, reply: DirectReply, context: () => unknown): void {
    new DirectCall(this.parts, message, reply, context).start();
  }
}

export interface DirectEndpointsDeps {
  endpoints: () => DiscoveredEndpoint[];
  resolver: MiddlewareResolver;
  timings: ProtocolTimings;
  globals?: GlobalEnhancers;
  isAllowed: boolean;
}

/**
 * The direct handler path's endpoints, per protocol and pattern, compiled on first use (by
 * then the app's global pipes, guards and interceptors are registered, which decide it).
 * An endpoint takes the direct path when nothing of Nest's pipeline has work to do on it:
 * no guards, pipes or interceptors of its own or global, no exception filter besides
 * Orion's, a singleton controller, and parameters that are `@Msg()`/`@Payload()`,
 * `@MsgContext()` or `@Ctx()` without pipes. Everything else keeps Nest's pipeline.
 * @internal
 */
export class DirectEndpoints implements DirectHandlers {
  private readonly byProtocol = new Map<Protocol, Map<string, DirectEndpoint | null>>();
  private readonly wheel = new DeadlineWheel();
  private readonly logger = new Logger('protocols');

  constructor(private readonly deps: DirectEndpointsDeps) {}

  /**
   * The compiled endpoint serving `pattern` on `protocol`, or undefined: use Nest's handler.
   * `nestHandler` is what Nest bound for the pattern (several event handlers chained on one
   * pattern keep Nest's path, which runs them all).
   */
  find(protocol: Protocol, pattern: string, nestHandler: unknown): DirectEndpoint | undefined {
    let byPattern = this.byProtocol.get(protocol);
    if (!byPattern) this.byProtocol.set(protocol, (byPattern = new Map()));
    let found = byPattern.get(pattern);
    if (found === undefined) {
      found = this.compile(protocol, pattern, nestHandler) ?? null;
      byPattern.set(pattern, found);
    }
    return found ?? undefined;
  }

  private compile(protocol: Protocol, pattern: string, nestHandler: unknown): DirectEndpoint | undefined {
    if (!this.deps.isAllowed) return undefined;
    if ((nestHandler as { next?: unknown } | undefined)?.next) return undefined;
    const matches = this.deps
      .endpoints()
      .filter((e) => e.metadata.pattern === pattern && (e.metadata.protocols as readonly string[]).includes(protocol));
    if (matches.length !== 1) return undefined;
    const [endpoint] = matches;
    const reason = nestPipelineReason(endpoint, this.deps.globals);
    const readers = reason === undefined ? argReaders(endpoint) : undefined;
    if (!readers) {
      this.logger.debug?.(`'${pattern}' over ${protocol} keeps Nest's pipeline: ${reason ?? 'parameters'}`);
      return undefined;
    }
    const method = (endpoint.instance as Record<string, Function>)[endpoint.methodName];
    const userChain = this.deps.resolver.userChainFor(endpoint.metatype as never, method);
    const { deadline, inFlight, logging, tracer } = this.deps.resolver.builtin;
    return new DirectEndpoint({
      pattern,
      isEvent: endpoint.metadata.isEvent,
      invoke: compileInvoke(endpoint, readers),
      needsAsyncContext: isAsyncMethod(endpoint) || userChain.length > 0,
      userChain,
      deadline,
      inFlight,
      logging,
      timings: this.deps.timings,
      wheel: this.wheel,
      tracer,
    });
  }
}
