import { Metadata } from '@grpc/grpc-js';
import type { ProtocolError, ProtocolErrorBody } from './protocol.error';

/** gRPC trailer that carries the full error body as JSON. */
export const GRPC_ERROR_TRAILER = 'x-orion-error';

/** What grpc-js sends as the status of a failed call: code, details and trailers. */
export interface GrpcStatusObject {
  code: number;
  details: string;
  message: string;
  metadata: Metadata;
}

/** The gRPC status of an error: its numeric code, its message as details, its body as trailer. */
export function toGrpcStatus(error: ProtocolError, body: ProtocolErrorBody = error.toJSON()): GrpcStatusObject {
  const metadata = new Metadata();
  metadata.set(GRPC_ERROR_TRAILER, JSON.stringify(body));
  return { code: error.status, details: error.message, message: error.message, metadata };
}
