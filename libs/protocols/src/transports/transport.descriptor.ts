import type { INestApplication } from '@nestjs/common';
import type { CustomTransportStrategy } from '@nestjs/microservices';
import type { BoundAddresses } from '../interfaces/bound-addresses.interface';
import type { ProtocolsModuleOptions } from '../interfaces/protocols-options.interface';
import type { ProtocolsStats } from '../interfaces/protocols-stats.interface';
import type { DirectHandlers } from '../interfaces/direct-dispatch.interface';
import type { GrpcListener } from '../grpc-listener.util';

/** What `startProtocols` hands every transport descriptor. @internal */
export interface TransportStartContext {
  app: INestApplication;
  options: ProtocolsModuleOptions;
  /** The direct handler path's endpoints, shared by every listener. */
  direct: DirectHandlers;
  /** The gRPC listener, built (and its .proto checked) before anything binds. */
  grpc?: GrpcListener;
  /** The HTTP listener's address, once it listens (a WebSocket sharing it reads it). */
  http?: BoundAddresses['http'];
}

/** One started listener, as `startProtocols` and `ProtocolsRuntime` use it. @internal */
export interface TransportListener {
  /** The Nest transport strategy to connect and listen. */
  strategy: CustomTransportStrategy;
  /** Where it is bound; called once every listener and HTTP listen. */
  address(context: TransportStartContext): Partial<BoundAddresses>;
  /** Its counters for `ProtocolsRuntime.stats()`. */
  stats?(): Partial<ProtocolsStats>;
}

/**
 * One listener as other apps reach it: the shape `@orion/discovery` registers (its
 * `ServiceEndpoint`), real port, reachable host.
 * @publicApi
 */
export interface AdvertisedEndpoint {
  protocol: keyof BoundAddresses;
  host: string;
  port: number;
  /** Full URL where the protocol has one (http://, ws://, mqtt://, gRPC host:port). */
  url?: string;
  tls?: boolean;
  grpcPackage?: string;
  grpcServices?: string[];
  grpcMethods?: Record<string, { service: string; method: string }>;
  mqttTopicBase?: string;
  mqttProtocolVersion?: 4 | 5;
  /** WebSocket: path on the HTTP server. */
  path?: string;
}

/**
 * How one transport's bound address is advertised: its entry of `BoundAddresses` as an
 * endpoint other apps dial (undefined when it is not bound). `resolveHost` turns a bound
 * host (maybe a wildcard) into the reachable one. `@orion/discovery` loops over
 * `ADVERTISED_TRANSPORTS` to register an instance's endpoints.
 * @publicApi
 */
export interface TransportAdvertisement {
  readonly protocol: keyof BoundAddresses;
  advertise(addresses: BoundAddresses, resolveHost: (boundHost: string) => string): AdvertisedEndpoint | undefined;
}

/**
 * One transport's part in start-up: build its listener from the module options (undefined
 * when they do not configure it), report where it is bound, read its counters, say how
 * that address is advertised. Every transport folder has one
 * (`transports/<name>/<name>.descriptor.ts`); `startProtocols` loops over them (HTTP,
 * which is the Nest app itself, stays in `startProtocols` and only advertises).
 * @internal
 */
export interface TransportDescriptor extends TransportAdvertisement {
  create(context: TransportStartContext): TransportListener | undefined;
}

/** `[host]` for an IPv6 literal, so it can be followed by `:port` in a URL. @internal */
export function bracketHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}
