import { bracketHost, type TransportDescriptor } from '../transport.descriptor';

/**
 * gRPC in start-up: the listener `startProtocols` built and checked before anything binds
 * (`buildGrpcListener`), with the direct path, its address; advertised with its `host:port`,
 * package, services and the method of each pattern. @internal
 */
export const GRPC_DESCRIPTOR: TransportDescriptor = {
  protocol: 'grpc',
  create({ options, direct, grpc }) {
    if (!grpc) return undefined;
    grpc.server.useDirectEndpoints(direct);
    return {
      strategy: grpc.server,
      address: () => {
        const { host, packageName, services, methods, protoPath, server } = grpc;
        const port = server.port;
        const tls = options.grpc?.tls !== undefined;
        return { grpc: { host, port, url: `${host}:${port}`, tls, package: packageName, services, methods, protoPath } };
      },
    };
  },
  advertise({ grpc }, resolveHost) {
    if (!grpc) return undefined;
    const host = resolveHost(grpc.host);
    return {
      protocol: 'grpc',
      host,
      port: grpc.port,
      url: `${bracketHost(host)}:${grpc.port}`,
      tls: grpc.tls === true,
      grpcPackage: grpc.package,
      grpcServices: grpc.services,
      grpcMethods: grpc.methods,
    };
  },
};
