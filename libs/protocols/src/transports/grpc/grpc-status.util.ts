// The gRPC form of an error lives with the errors (the exception filter needs it, and the
// filter must not reach into a transport); re-exported here for the gRPC transport.
export { GRPC_ERROR_TRAILER, toGrpcStatus, type GrpcStatusObject } from '../../errors/grpc-status.util';
