import { createHash } from 'node:crypto';
import { renameSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import * as protoLoader from '@grpc/proto-loader';
import { GRPC_DEFAULT_PACKAGE } from './protocols.constants';
import { PROTOCOLS_MODULE_OPTIONS } from './protocols.module-definition';
import type { BoundAddresses } from './interfaces/bound-addresses.interface';
import type { GrpcListenerOptions, ProtocolsModuleOptions } from './interfaces/protocols-options.interface';
import { ProtocolsExplorer } from './protocols.explorer';
import { ProtocolsRuntime } from './protocols.runtime';
import { GrpcServer } from './transports/grpc/grpc.server';
import { buildJsonProto } from './transports/grpc/grpc-json-proto.util';
import { MqttServer } from './transports/mqtt/mqtt.server';
import { TcpServer } from './transports/tcp/tcp.server';
import { UdpServer } from './transports/udp/udp.server';
import { WsServer } from './transports/ws/ws.server';
import { applyHttpInputLimits } from './utils/http-input-limits.util';
import { isHttpsServer, useHttpsServer } from './tls/https-server.util';
import { httpsOptionsFrom } from './tls/tls-material.util';

function grpcServer(options: GrpcListenerOptions, explorer: ProtocolsExplorer) {
  const host = options.host ?? '127.0.0.1';
  const endpoints = explorer
    .endpoints()
    .map((e) => e.metadata)
    .filter((m) => m.protocols.includes('grpc'));
  const services = [...new Set(endpoints.map((m) => m.grpc.service))];
  const methods = Object.fromEntries(endpoints.map((m) => [m.pattern, { service: m.grpc.service, method: m.grpc.method }]));
  if (options.protoPath) {
    if (!options.package) throw new Error('ProtocolsModule: grpc.package is required with grpc.protoPath');
    const server = new GrpcServer({
      host,
      port: options.port ?? 0,
      package: options.package,
      protoPath: options.protoPath,
      isJsonEnvelope: false,
      maxMessageBytes: options.maxMessageBytes,
      tls: options.tls,
    });
    return { server, host, packageName: options.package, services, methods, protoPath: options.protoPath };
  }
  const packageName = options.package ?? GRPC_DEFAULT_PACKAGE;
  const proto = buildJsonProto(packageName, endpoints);
  // Content-addressed, so concurrent processes with the same endpoints share one file.
  const digest = createHash('sha1').update(proto).digest('hex').slice(0, 12);
  const protoPath = join(tmpdir(), `orion-${packageName}-${digest}.proto`);
  // Write-then-rename: instances starting together must never read a half-written file.
  const staging = `${protoPath}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(staging, proto);
  renameSync(staging, protoPath);
  const packageDefinition = protoLoader.loadSync(protoPath, { keepCase: true, defaults: true });
  const server = new GrpcServer({
    host,
    port: options.port ?? 0,
    package: packageName,
    packageDefinition,
    isJsonEnvelope: true,
    maxMessageBytes: options.maxMessageBytes,
    tls: options.tls,
  });
  return { server, host, packageName, services, methods, protoPath };
}

/**
 * Starts every listener configured in `ProtocolsModule.forRoot` (HTTP, WebSocket, TCP,
 * UDP, gRPC, MQTT) and resolves with the addresses actually bound. Call it instead of
 * `app.listen()`. Rejects, naming the listener, if any fails to start.
 *
 * TLS: certificate files named in the options are read here, before anything starts (a
 * missing or unusable one throws `InvalidTlsOptionError` naming the option). With
 * `http.tls`, the app gets an HTTPS server here, so call it before `app.init()`.
 *
 * @publicApi
 */
export async function startProtocols(app: INestApplication): Promise<BoundAddresses> {
  const options = app.get<ProtocolsModuleOptions>(PROTOCOLS_MODULE_OPTIONS, { strict: false });
  const explorer = app.get(ProtocolsExplorer, { strict: false });
  const addresses: BoundAddresses = {};
  // HTTPS first: the server is replaced before anything binds to it (WebSocket shares it).
  if (options.http?.tls) useHttpsServer(app, httpsOptionsFrom(options.http.tls, 'http.tls'));
  // Body limits and the error shape of unknown routes / unreadable bodies (before app.init()).
  if (options.http) applyHttpInputLimits(app, options.http);

  const tcp = options.tcp ? new TcpServer(options.tcp) : undefined;
  if (tcp) app.connectMicroservice({ strategy: tcp }, { inheritAppConfig: true });
  const udp = options.udp ? new UdpServer(options.udp) : undefined;
  if (udp) app.connectMicroservice({ strategy: udp }, { inheritAppConfig: true });
  const grpc = options.grpc ? grpcServer(options.grpc, explorer) : undefined;
  if (grpc) app.connectMicroservice({ strategy: grpc.server }, { inheritAppConfig: true });
  const mqtt = options.mqtt ? new MqttServer(options.mqtt) : undefined;
  if (mqtt) app.connectMicroservice({ strategy: mqtt }, { inheritAppConfig: true });
  // WebSocket shares the HTTP server unless it has a port of its own.
  const sharesHttp = options.http !== undefined && options.ws?.port === undefined;
  const ws = options.ws ? new WsServer(options.ws, sharesHttp ? app.getHttpServer() : undefined) : undefined;
  if (ws) app.connectMicroservice({ strategy: ws }, { inheritAppConfig: true });

  try {
    await app.startAllMicroservices();
  } catch (error) {
    throw new Error(`startProtocols: a listener failed to start: ${(error as Error).message ?? String(error)}`, { cause: error });
  }
  if (options.http) {
    const host = options.http.host ?? '127.0.0.1';
    await app.listen(options.http.port ?? 0, host);
    const server = app.getHttpServer();
    const { port } = server.address() as AddressInfo;
    addresses.http = { host, port, url: `${isHttpsServer(server) ? 'https' : 'http'}://${host}:${port}` };
  } else {
    await app.init();
  }
  if (ws && sharesHttp && addresses.http) ws.bindAddress(addresses.http.host, addresses.http.port);
  if (ws) addresses.ws = ws.address;
  if (tcp) addresses.tcp = { host: tcp.address().address, port: tcp.address().port, tls: options.tcp?.tls !== undefined };
  if (udp) addresses.udp = { host: udp.address().address, port: udp.address().port };
  if (grpc) {
    const { host, packageName, services, methods, protoPath } = grpc;
    const port = grpc.server.port;
    addresses.grpc = {
      host,
      port,
      url: `${host}:${port}`,
      tls: options.grpc?.tls !== undefined,
      package: packageName,
      services,
      methods,
      protoPath,
    };
  }
  if (mqtt && options.mqtt) addresses.mqtt = { url: options.mqtt.url, topicBase: mqtt.topicBase, protocolVersion: mqtt.protocolVersion };
  app.get(ProtocolsRuntime, { strict: false }).markReady(addresses);
  return addresses;
}
