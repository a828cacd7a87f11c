import { Catch, type ArgumentsHost, type ExceptionFilter, type ExecutionContext } from '@nestjs/common';
import { Metadata } from '@grpc/grpc-js';
import { throwError, type Observable } from 'rxjs';
import type { Response } from 'express';
import { findProtocolMessage } from '../context/protocol-message.factory';
import type { ProtocolError, ProtocolErrorBody } from '../errors/protocol.error';
import { toErrorReply } from './error-reply.util';
import { toGrpcStatus } from '../errors/grpc-status.util';

export { GRPC_ERROR_TRAILER } from '../errors/grpc-status.util';

/**
 * Maps any error to each protocol's native form: HTTP status + JSON body; gRPC status +
 * details (+ `x-orion-error` trailer); an RPC error object for TCP, UDP, MQTT and
 * WebSocket (whose server turns it into an error frame). Unknown errors are logged here with their stack and reach callers
 * only as INTERNAL.
 *
 * @publicApi
 */
@Catch()
export class ProtocolExceptionFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): unknown {
    const { error, body } = toErrorReply(exception, findProtocolMessage(host as ExecutionContext));
    switch (host.getType<string>()) {
      case 'http':
        return this.replyHttp(host, error, body);
      default:
        return this.replyRpc(host, error, body);
    }
  }

  private replyHttp(host: ArgumentsHost, error: ProtocolError, body: ProtocolErrorBody): void {
    const response = host.switchToHttp().getResponse<Response>();
    if (response.headersSent) return;
    response.status(error.httpStatus).json(body);
  }

  private replyRpc(host: ArgumentsHost, error: ProtocolError, body: ProtocolErrorBody): Observable<never> {
    if (host.getArgByIndex(1) instanceof Metadata) return throwError(() => toGrpcStatus(error, body));
    return throwError(() => body);
  }
}
