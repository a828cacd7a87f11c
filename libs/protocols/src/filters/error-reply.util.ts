import { Logger } from '@nestjs/common';
import { CORRELATION_ID_HEADER } from '../protocols.constants';
import type { ProtocolError, ProtocolErrorBody } from '../errors/protocol.error';
import { toProtocolError } from '../errors/to-protocol-error.util';
import type { ProtocolMessage } from '../interfaces/protocol-message.interface';

const logger = new Logger('protocols');

/**
 * What a handler's error becomes on the wire, for both handler paths (the exception filter
 * and the direct path): the `ProtocolError` and its body with the request's correlation id.
 * Unknown errors are logged here with their stack and reach callers only as INTERNAL.
 * @internal
 */
export function toErrorReply(exception: unknown, message: ProtocolMessage | undefined): { error: ProtocolError; body: ProtocolErrorBody } {
  const error = toProtocolError(exception);
  if (error.code === 'INTERNAL' && error !== exception) {
    logger.error(
      { message: 'unhandled error in handler', pattern: message?.pattern, protocol: message?.protocol },
      exception instanceof Error ? exception.stack : String(exception),
    );
  }
  return { error, body: error.toJSON(message?.headers[CORRELATION_ID_HEADER]) };
}
