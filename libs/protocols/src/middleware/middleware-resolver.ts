import { Inject, Injectable, type OnModuleInit, type Type } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, ModuleRef, Reflector } from '@nestjs/core';
import { MIDDLEWARE_METADATA } from '../protocols.constants';
import { PROTOCOLS_MODULE_OPTIONS } from '../protocols.module-definition';
import type { MiddlewareRef, ProtocolsModuleOptions } from '../interfaces/protocols-options.interface';
import type { ProtocolMiddleware } from '../interfaces/protocol-middleware.interface';
import { CorrelationIdMiddleware } from './correlation-id.middleware';
import { DeadlineMiddleware } from './deadline.middleware';
import { InFlightLimitMiddleware } from './in-flight-limit.middleware';
import { LoggingMiddleware } from './logging.middleware';

/**
 * Resolves middleware classes once at startup (DI provider if there is one, otherwise a
 * new instance built by Nest) and hands out each handler's ordered chain.
 * @internal
 */
@Injectable()
export class MiddlewareResolver implements OnModuleInit {
  private readonly instances = new Map<Type<ProtocolMiddleware>, ProtocolMiddleware>();
  private readonly chains = new WeakMap<Function, ProtocolMiddleware[]>();
  private readonly builtins: ProtocolMiddleware[];

  constructor(
    @Inject(PROTOCOLS_MODULE_OPTIONS) private readonly options: ProtocolsModuleOptions,
    private readonly moduleRef: ModuleRef,
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
  ) {
    this.builtins = [new CorrelationIdMiddleware(), new DeadlineMiddleware(options.maxDeadlineMs)];
    // After the deadline check (an expired message takes no slot), before the request log
    // (a refused flood must not become a flood of log lines).
    if (options.maxInFlight !== false) this.builtins.push(new InFlightLimitMiddleware(options.maxInFlight));
    if (options.logRequests !== false) this.builtins.push(new LoggingMiddleware(options.serviceName));
  }

  async onModuleInit(): Promise<void> {
    const refs = new Set<MiddlewareRef>(this.options.middleware ?? []);
    for (const wrapper of this.discovery.getControllers()) {
      const { metatype } = wrapper;
      if (!metatype) continue;
      for (const ref of this.reflector.get<MiddlewareRef[]>(MIDDLEWARE_METADATA, metatype) ?? []) refs.add(ref);
      for (const name of this.scanner.getAllMethodNames(metatype.prototype)) {
        const method = metatype.prototype[name] as Function;
        for (const ref of this.reflector.get<MiddlewareRef[]>(MIDDLEWARE_METADATA, method) ?? []) refs.add(ref);
      }
    }
    for (const ref of refs) {
      if (typeof ref === 'function' && !this.instances.has(ref)) this.instances.set(ref, await this.instantiate(ref));
    }
  }

  /** The ordered chain of one handler: built-ins, global, class, method. */
  chainFor(controller: Type<unknown>, handler: Function): ProtocolMiddleware[] {
    let chain = this.chains.get(handler);
    if (!chain) {
      const refs = [
        ...(this.options.middleware ?? []),
        ...(this.reflector.get<MiddlewareRef[]>(MIDDLEWARE_METADATA, controller) ?? []),
        ...(this.reflector.get<MiddlewareRef[]>(MIDDLEWARE_METADATA, handler) ?? []),
      ];
      chain = [...this.builtins, ...refs.map((ref) => this.resolve(ref))];
      this.chains.set(handler, chain);
    }
    return chain;
  }

  private resolve(ref: MiddlewareRef): ProtocolMiddleware {
    if (typeof ref !== 'function') return ref;
    const instance = this.instances.get(ref);
    if (!instance) throw new Error(`Middleware ${ref.name} was not resolved at startup; is its controller registered?`);
    return instance;
  }

  private async instantiate(type: Type<ProtocolMiddleware>): Promise<ProtocolMiddleware> {
    try {
      return this.moduleRef.get(type, { strict: false });
    } catch {
      return this.moduleRef.create(type);
    }
  }
}
