import { HttpException } from '@nestjs/common';
import { RpcException } from '@nestjs/microservices';
import { ProtocolError } from './protocol.error';
import { isStatusCode, statusCodeFromHttp, statusCodeFromNumber } from './status-code';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/**
 * Normalizes anything a handler, pipe or guard throws into a `ProtocolError`. Unknown
 * errors become INTERNAL with a generic message: their text and stack never reach callers.
 */
export function toProtocolError(error: unknown): ProtocolError {
  if (error instanceof ProtocolError) return error;
  if (error instanceof HttpException) {
    const response = error.getResponse();
    const code = statusCodeFromHttp(error.getStatus());
    // NOTE: ValidationPipe puts the list of violations in `message`; keep it as details.
    if (isRecord(response) && Array.isArray(response.message)) {
      return new ProtocolError(code, 'validation failed', response.message);
    }
    return new ProtocolError(code, error.message);
  }
  if (error instanceof RpcException) return fromErrorObject(error.getError());
  // An error body that crossed a hop (RPC error object, our own filter's output).
  if (isRecord(error) && isStatusCode(error.code)) return fromErrorObject(error);
  if (isRecord(error) && error.name === 'WsException' && 'getError' in error) {
    return fromErrorObject((error as { getError(): unknown }).getError());
  }
  return ProtocolError.internal();
}

/** Reads a code/message pair as sent by any of our transports or by Nest's RpcException. */
export function fromErrorObject(error: unknown): ProtocolError {
  if (typeof error === 'string') return new ProtocolError('UNKNOWN', error);
  if (!isRecord(error)) return ProtocolError.internal();
  const message = typeof error.message === 'string' ? error.message : 'error';
  if (isStatusCode(error.code)) return new ProtocolError(error.code, message, error.details);
  if (typeof error.code === 'number') {
    const code = statusCodeFromNumber(error.code);
    if (code) return new ProtocolError(code, typeof error.details === 'string' ? error.details : message);
  }
  return new ProtocolError('UNKNOWN', message);
}
