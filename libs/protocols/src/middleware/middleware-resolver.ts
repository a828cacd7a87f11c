import { Inject, Injectable, type OnModuleInit, type Type } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, ModuleRef, ModulesContainer, Reflector } from '@nestjs/core';
import { MIDDLEWARE_METADATA } from '../protocols.constants';
import { PROTOCOLS_MODULE_OPTIONS } from '../protocols.module-definition';
import type { MiddlewareRef, ProtocolsModuleOptions } from '../interfaces/protocols-options.interface';
import type { ProtocolMiddleware } from '../interfaces/protocol-middleware.interface';
import { CorrelationIdMiddleware } from './correlation-id.middleware';
import { DeadlineMiddleware } from './deadline.middleware';
import { InFlightLimitMiddleware } from './in-flight-limit.middleware';
import { LoggingMiddleware } from './logging.middleware';
import { ServerTracer } from '../tracing/server-tracer';

/** A Nest module as the container holds it (the class itself is not exported by Nest). */
type HostModule = ModulesContainer extends Map<string, infer M> ? M : never;

/**
 * Resolves middleware classes once at startup and hands out each handler's ordered chain.
 *
 * A class is taken, in this order, from the providers of the module where it is used, from
 * a provider anywhere in the app, or else built by Nest in that module's context, so its
 * constructor dependencies come from that module (its providers, imports and the global
 * modules), as for an interceptor or guard given by class. Where it is used: the module of
 * the controller for `@UseMiddleware`; for the global `middleware` option, the module that
 * imports ProtocolsModule. As Nest links a global module into every module, that one is
 * taken as the module nearest the root whose scope resolves the class.
 * @internal
 */
@Injectable()
export class MiddlewareResolver implements OnModuleInit {
  private readonly instances = new Map<HostModule | undefined, Map<Type<ProtocolMiddleware>, ProtocolMiddleware>>();
  private readonly controllerHosts = new Map<Function, HostModule>();
  private readonly globalHosts = new Map<Type<ProtocolMiddleware>, HostModule | undefined>();
  private readonly chains = new WeakMap<Function, ProtocolMiddleware[]>();
  private readonly builtins: ProtocolMiddleware[];
  /** The built-in middleware, for the direct handler path (which inlines them). @internal */
  readonly builtin: {
    deadline: DeadlineMiddleware;
    inFlight?: InFlightLimitMiddleware;
    logging?: LoggingMiddleware;
    /** Server spans (both handler paths); absent with `tracing: false`. */
    tracer?: ServerTracer;
  };

  constructor(
    @Inject(PROTOCOLS_MODULE_OPTIONS) private readonly options: ProtocolsModuleOptions,
    private readonly moduleRef: ModuleRef,
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
    private readonly modules: ModulesContainer,
  ) {
    this.builtin = {
      deadline: new DeadlineMiddleware(options.maxDeadlineMs),
      inFlight: options.maxInFlight !== false ? new InFlightLimitMiddleware(options.maxInFlight) : undefined,
      logging: options.logRequests !== false ? new LoggingMiddleware(options.serviceName) : undefined,
      tracer: options.tracing !== false ? new ServerTracer(options.serviceName) : undefined,
    };
    // In-flight limit after the deadline check (an expired message takes no slot), before
    // the request log (a refused flood must not become a flood of log lines).
    const { deadline, inFlight, logging } = this.builtin;
    this.builtins = [new CorrelationIdMiddleware(), deadline, ...(inFlight ? [inFlight] : []), ...(logging ? [logging] : [])];
  }

  async onModuleInit(): Promise<void> {
    for (const ref of this.options.middleware ?? []) {
      if (typeof ref === 'function' && !this.globalHosts.has(ref)) this.globalHosts.set(ref, await this.prepareGlobal(ref));
    }
    for (const wrapper of this.discovery.getControllers()) {
      const { metatype, host } = wrapper;
      if (!metatype) continue;
      if (host && !this.controllerHosts.has(metatype)) this.controllerHosts.set(metatype, host);
      for (const ref of this.reflector.get<MiddlewareRef[]>(MIDDLEWARE_METADATA, metatype) ?? []) await this.prepare(ref, host);
      for (const name of this.scanner.getAllMethodNames(metatype.prototype)) {
        const method = metatype.prototype[name] as Function;
        for (const ref of this.reflector.get<MiddlewareRef[]>(MIDDLEWARE_METADATA, method) ?? []) await this.prepare(ref, host);
      }
    }
  }

  /** The ordered chain of one handler: built-ins, global, class, method. */
  chainFor(controller: Type<unknown>, handler: Function): ProtocolMiddleware[] {
    let chain = this.chains.get(handler);
    if (!chain) {
      const host = this.controllerHosts.get(controller);
      const local = [
        ...(this.reflector.get<MiddlewareRef[]>(MIDDLEWARE_METADATA, controller) ?? []),
        ...(this.reflector.get<MiddlewareRef[]>(MIDDLEWARE_METADATA, handler) ?? []),
      ];
      chain = [
        ...this.builtins,
        ...(this.options.middleware ?? []).map((ref) =>
          this.resolve(ref, typeof ref === 'function' ? this.globalHosts.get(ref) : undefined),
        ),
        ...local.map((ref) => this.resolve(ref, host)),
      ];
      this.chains.set(handler, chain);
    }
    return chain;
  }

  /** The middleware of one handler beyond the built-ins: global, class, method. @internal */
  userChainFor(controller: Type<unknown>, handler: Function): ProtocolMiddleware[] {
    return this.chainFor(controller, handler).slice(this.builtins.length);
  }

  private resolve(ref: MiddlewareRef, host: HostModule | undefined): ProtocolMiddleware {
    if (typeof ref !== 'function') return ref;
    const instance = this.instances.get(host)?.get(ref);
    if (!instance) throw new Error(`Middleware ${ref.name} was not resolved at startup; is its controller registered?`);
    return instance;
  }

  private async prepare(ref: MiddlewareRef, host: HostModule | undefined): Promise<void> {
    if (typeof ref !== 'function') return;
    let built = this.instances.get(host);
    if (!built) this.instances.set(host, (built = new Map()));
    if (!built.has(ref)) built.set(ref, await this.instantiate(ref, host));
  }

  private async instantiate(type: Type<ProtocolMiddleware>, host: HostModule | undefined): Promise<ProtocolMiddleware> {
    const scope = (host?.getProviderByKey(ModuleRef)?.instance as ModuleRef | undefined) ?? this.moduleRef;
    for (const strict of [true, false]) {
      try {
        return scope.get(type, { strict });
      } catch {
        // Not a provider there: look further, or build it below.
      }
    }
    return scope.create(type);
  }

  /** Builds a global middleware class in the first importer of ProtocolsModule, from the root, that can; returns that module. */
  private async prepareGlobal(type: Type<ProtocolMiddleware>): Promise<HostModule | undefined> {
    const isOurs = (module: HostModule) => module.providers.get(MiddlewareResolver)?.instance === this;
    const importers = [...this.modules.values()].filter((m) => [...m.imports].some(isOurs)).sort((a, b) => a.distance - b.distance);
    let firstError: unknown;
    for (const host of importers) {
      try {
        await this.prepare(type, host);
        return host;
      } catch (error) {
        firstError ??= error;
      }
    }
    if (firstError !== undefined) throw firstError;
    await this.prepare(type, undefined);
    return undefined;
  }
}
