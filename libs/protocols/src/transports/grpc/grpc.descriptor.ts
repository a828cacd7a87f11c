import type { TransportDescriptor } from '../transport.descriptor';

/**
 * gRPC in start-up: the listener `startProtocols` built and checked before anything binds
 * (`buildGrpcListener`), with the direct path, and what it advertises. @internal
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
};
