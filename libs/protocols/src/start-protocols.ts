import type { AddressInfo } from 'node:net';
import type { INestApplication, INestMicroservice } from '@nestjs/common';
import type { CustomTransportStrategy } from '@nestjs/microservices';
import { PROTOCOLS_MODULE_OPTIONS } from './protocols.module-definition';
import type { BoundAddresses } from './interfaces/bound-addresses.interface';
import type { ProtocolsModuleOptions } from './interfaces/protocols-options.interface';
import { buildGrpcListener } from './grpc-listener.util';
import { ProtocolsExplorer, type DiscoveredEndpoint } from './protocols.explorer';
import { DirectEndpoints } from './dispatch/direct-endpoints';
import type { GlobalEnhancers } from './dispatch/direct-endpoint.compiler';
import { isDirectPathAllowed } from './dispatch/handler-path.util';
import { MiddlewareResolver } from './middleware/middleware-resolver';
import { ProtocolTimings } from './middleware/protocol-timings';
import { ProtocolsRuntime } from './protocols.runtime';
import { startedTwiceMessage } from './setup.messages';
import type { TransportListener, TransportStartContext } from './transports/transport.descriptor';
import { TRANSPORT_DESCRIPTORS } from './transports/transport-descriptors';
import { applyHttpInputLimits } from './utils/http-input-limits.util';
import { isHttpsServer, useHttpsServer } from './tls/https-server.util';
import { httpsOptionsFrom } from './tls/tls-material.util';

const startedApps = new WeakSet<INestApplication>();

/**
 * Connects one Orion listener to the app, with a `listen()` that runs once: an
 * `app.startAllMicroservices()` of the user's own, before or after `startProtocols`,
 * then finds it listening instead of binding it twice.
 */
function connectOnce(app: INestApplication, strategy: CustomTransportStrategy): INestMicroservice {
  const microservice = app.connectMicroservice({ strategy }, { inheritAppConfig: true });
  const listen = microservice.listen.bind(microservice);
  let listening: Promise<unknown> | undefined;
  microservice.listen = () => (listening ??= listen());
  return microservice;
}

/** The direct handler path's endpoints of this app (see docs/protocols.md, "Handler paths"). */
function directEndpoints(app: INestApplication, explorer: ProtocolsExplorer): DirectEndpoints {
  let endpoints: DiscoveredEndpoint[] | undefined;
  return new DirectEndpoints({
    endpoints: () => (endpoints ??= explorer.endpoints()),
    resolver: app.get(MiddlewareResolver, { strict: false }),
    timings: app.get(ProtocolTimings, { strict: false }),
    // NOTE: Nest keeps the app's configuration (global pipes, guards, interceptors) in a private field.
    globals: (app as unknown as { config?: GlobalEnhancers }).config,
    isAllowed: isDirectPathAllowed(),
  });
}

/**
 * Starts every listener configured in `ProtocolsModule.forRoot` (HTTP, WebSocket, TCP,
 * UDP, gRPC, MQTT) and resolves with the addresses actually bound. Call it instead of
 * `app.listen()`. Rejects, naming the listener, if any fails to start, and before
 * anything binds if a gRPC endpoint names a method that `grpc.protoPath` does not define.
 *
 * Microservices you connect yourself (`app.connectMicroservice`) are yours to start with
 * `app.startAllMicroservices()`, before or after this call; Orion's listeners start here
 * only once either way. Register global pipes, guards, interceptors and filters before it:
 * the listeners inherit the app's configuration when they are connected.
 *
 * TLS: certificate files named in the options are read here, before anything starts (a
 * missing or unusable one throws `InvalidTlsOptionError` naming the option). With
 * `http.tls`, the app gets an HTTPS server here, so call it before `app.init()`.
 *
 * @publicApi
 */
export async function startProtocols(app: INestApplication): Promise<BoundAddresses> {
  if (startedApps.has(app)) throw new Error(startedTwiceMessage());
  const options = app.get<ProtocolsModuleOptions>(PROTOCOLS_MODULE_OPTIONS, { strict: false });
  const explorer = app.get(ProtocolsExplorer, { strict: false });
  const addresses: BoundAddresses = {};
  // Checked first: a gRPC mapping the .proto does not serve fails before anything binds.
  const grpc = options.grpc ? buildGrpcListener(options.grpc, explorer.endpoints()) : undefined;
  // From here on the app is changed (servers connected): a second call must not connect more.
  startedApps.add(app);
  // HTTPS first: the server is replaced before anything binds to it (WebSocket shares it).
  if (options.http?.tls) useHttpsServer(app, httpsOptionsFrom(options.http.tls, 'http.tls'));
  // Body limits and the error shape of unknown routes / unreadable bodies (before app.init()).
  if (options.http) applyHttpInputLimits(app, options.http);

  const context: TransportStartContext = { app, options, direct: directEndpoints(app, explorer), grpc };
  const listeners = TRANSPORT_DESCRIPTORS.map((descriptor) => descriptor.create(context)).filter(
    (listener): listener is TransportListener => listener !== undefined,
  );
  const microservices = listeners.map((listener) => connectOnce(app, listener.strategy));

  try {
    await Promise.all(microservices.map((microservice) => microservice.listen()));
  } catch (error) {
    throw new Error(`startProtocols: a listener failed to start: ${(error as Error).message ?? String(error)}`, { cause: error });
  }
  if (options.http) {
    const host = options.http.host ?? '127.0.0.1';
    await app.listen(options.http.port ?? 0, host);
    const server = app.getHttpServer();
    const { port } = server.address() as AddressInfo;
    addresses.http = { host, port, url: `${isHttpsServer(server) ? 'https' : 'http'}://${host}:${port}` };
    context.http = addresses.http;
  } else {
    await app.init();
  }
  for (const listener of listeners) Object.assign(addresses, listener.address(context));
  app.get(ProtocolsRuntime, { strict: false }).markReady(addresses, listeners);
  return addresses;
}
