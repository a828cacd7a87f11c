import * as grpc from '@grpc/grpc-js';
import { ProtocolError } from '../../errors/protocol.error';
import { isStatusCode, statusCodeFromNumber } from '../../errors/status-code';
import { fromErrorObject } from '../../errors/to-protocol-error.util';
import { NOT_SENT_DETAILS } from '../client-call.util';
import { GRPC_ERROR_TRAILER } from './grpc-status.util';

/** UNAVAILABLE details grpc-js gives when no connection could carry the call (nothing was sent). */
const NOT_SENT_STATUS = /^(?:\w+: )?(?:No connection established|No addresses resolved|Name resolution failed)|^Channel has been shut down/;

/**
 * A grpc-js status as a `ProtocolError`: the `x-orion-error` trailer when the server sent
 * one, else the numeric status with its details (without details, the message grpc-js
 * would give its `ServiceError`: `14 UNAVAILABLE: `).
 */
export function toGrpcClientError(error: Pick<grpc.StatusObject, 'code' | 'details'> & { metadata?: grpc.Metadata | null }): ProtocolError {
  const trailer = error.metadata?.get(GRPC_ERROR_TRAILER)[0];
  if (typeof trailer === 'string') {
    try {
      const body = JSON.parse(trailer) as { code?: unknown };
      if (isStatusCode(body?.code)) return fromErrorObject(body);
    } catch {
      // NOTE: a garbled trailer is ignored; the gRPC status below still tells the code.
    }
  }
  const code = statusCodeFromNumber(error.code) ?? 'UNKNOWN';
  const message = error.details || `${error.code} ${grpc.status[error.code]}: `;
  if (code === 'UNAVAILABLE' && NOT_SENT_STATUS.test(error.details ?? '')) return ProtocolError.unavailable(message, NOT_SENT_DETAILS);
  return new ProtocolError(code, message);
}
