import type { INestApplication } from '@nestjs/common';
import type { CustomTransportStrategy } from '@nestjs/microservices';
import type { BoundAddresses } from '../interfaces/bound-addresses.interface';
import type { ProtocolsModuleOptions } from '../interfaces/protocols-options.interface';
import type { ProtocolsStats } from '../interfaces/protocols-stats.interface';
import type { DirectEndpoints } from '../dispatch/direct-endpoints';
import type { GrpcListener } from '../grpc-listener.util';

/** What `startProtocols` hands every transport descriptor. @internal */
export interface TransportStartContext {
  app: INestApplication;
  options: ProtocolsModuleOptions;
  /** The direct handler path's endpoints, shared by every listener. */
  direct: DirectEndpoints;
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
 * One transport's part in start-up: build its listener from the module options (undefined
 * when they do not configure it), report where it is bound, read its counters. Every
 * transport folder has one (`transports/<name>/<name>.descriptor.ts`); `startProtocols`
 * loops over them (HTTP, which is the Nest app itself, stays in `startProtocols`).
 * @internal
 */
export interface TransportDescriptor {
  readonly protocol: keyof BoundAddresses;
  create(context: TransportStartContext): TransportListener | undefined;
}
