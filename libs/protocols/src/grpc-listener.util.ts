import { createHash } from 'node:crypto';
import { renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as protoLoader from '@grpc/proto-loader';
import { GRPC_DEFAULT_PACKAGE } from './protocols.constants';
import type { GrpcListenerOptions } from './interfaces/protocols-options.interface';
import type { DiscoveredEndpoint } from './protocols.explorer';
import { unservedGrpcMethodMessage } from './setup.messages';
import { GrpcServer } from './transports/grpc/grpc.server';
import { buildJsonProto } from './transports/grpc/grpc-json-proto.util';

/** The gRPC listener `startProtocols` starts, and what it advertises. */
export interface GrpcListener {
  server: GrpcServer;
  host: string;
  packageName: string;
  services: string[];
  methods: Record<string, { service: string; method: string }>;
  protoPath: string | string[];
}

/** Same options as GrpcServer's loader, so the check sees the names the server serves. */
const LOADER_OPTIONS: protoLoader.Options = { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true };

/**
 * Every gRPC endpoint must name a method of the user's .proto: Nest would otherwise start,
 * serve nothing for it, and discovery would still advertise it.
 */
function assertProtoServes(endpoints: DiscoveredEndpoint[], packageName: string, protoPath: string | string[]): void {
  const definition = protoLoader.loadSync(protoPath, LOADER_OPTIONS);
  const served = new Map<string, string[]>();
  for (const [name, value] of Object.entries(definition)) {
    if (!name.startsWith(`${packageName}.`) || typeof value !== 'object' || 'format' in value || 'type' in value) continue;
    served.set(name.slice(packageName.length + 1), Object.keys(value));
  }
  for (const { metadata, className, methodName } of endpoints) {
    const { service, method } = metadata.grpc;
    if (served.get(service)?.includes(method)) continue;
    throw new Error(
      unservedGrpcMethodMessage({
        pattern: metadata.pattern,
        handler: `${className}.${methodName}`,
        service,
        method,
        packageName,
        protoPath,
        served,
      }),
    );
  }
}

/** Builds the gRPC listener: the user's .proto (checked against the endpoints), or a generated JSON proto. */
export function buildGrpcListener(options: GrpcListenerOptions, discovered: DiscoveredEndpoint[]): GrpcListener {
  const host = options.host ?? '127.0.0.1';
  const grpcEndpoints = discovered.filter((e) => e.metadata.protocols.includes('grpc'));
  const endpoints = grpcEndpoints.map((e) => e.metadata);
  const services = [...new Set(endpoints.map((m) => m.grpc.service))];
  const methods = Object.fromEntries(endpoints.map((m) => [m.pattern, { service: m.grpc.service, method: m.grpc.method }]));
  const common = { host, port: options.port ?? 0, maxMessageBytes: options.maxMessageBytes, tls: options.tls };
  if (options.protoPath) {
    if (!options.package) throw new Error('ProtocolsModule: grpc.package is required with grpc.protoPath');
    assertProtoServes(grpcEndpoints, options.package, options.protoPath);
    const server = new GrpcServer({ ...common, package: options.package, protoPath: options.protoPath, isJsonEnvelope: false });
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
  const server = new GrpcServer({ ...common, package: packageName, packageDefinition, isJsonEnvelope: true });
  return { server, host, packageName, services, methods, protoPath };
}
