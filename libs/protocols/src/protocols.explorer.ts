import { Injectable } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { ENDPOINT_METADATA } from './protocols.constants';
import type { EndpointMetadata } from './interfaces/endpoint-options.interface';

/** One `@Endpoint` method found on a controller. */
export interface DiscoveredEndpoint {
  metadata: EndpointMetadata;
  instance: object;
  methodName: string;
  className: string;
  /** The controller class. */
  metatype?: Function;
  /** False for request-scoped (or transiently scoped) controllers: one instance per request. */
  isStatic?: boolean;
}

/**
 * Reads endpoint metadata from the app's controllers. Binding TCP/MQTT/gRPC/UDP handlers
 * is Nest's job; this only lists them (for the WebSocket dispatcher, the generated gRPC
 * proto and registry advertisement).
 * @internal
 */
@Injectable()
export class ProtocolsExplorer {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
  ) {}

  endpoints(): DiscoveredEndpoint[] {
    const found: DiscoveredEndpoint[] = [];
    for (const wrapper of this.discovery.getControllers()) {
      const instance = wrapper.instance as object | undefined;
      if (!instance || !wrapper.metatype) continue;
      const prototype = Object.getPrototypeOf(instance) as Record<string, Function>;
      for (const methodName of this.scanner.getAllMethodNames(prototype)) {
        const metadata = this.reflector.get<EndpointMetadata | undefined>(ENDPOINT_METADATA, prototype[methodName]);
        if (!metadata) continue;
        const isStatic = wrapper.isDependencyTreeStatic() && !wrapper.isTransient;
        found.push({ metadata, instance, methodName, className: wrapper.metatype.name, metatype: wrapper.metatype, isStatic });
      }
    }
    return found;
  }
}
