import { Catch, NotFoundException, type ArgumentsHost, type HttpServer } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import type { Request, Response } from 'express';
import { ProtocolExceptionFilter } from './protocol-exception.filter';
import { toProtocolError } from '../errors/to-protocol-error.util';

/**
 * The global filter `startProtocols` registers for HTTP: a request that matches no route
 * (unknown path, or a method the path does not serve) gets Orion's JSON error body
 * `{ code: 'NOT_FOUND', status: 5, message }` with 404, like an unknown pattern on every
 * other protocol. Any other `NotFoundException` keeps Nest's default handling over HTTP
 * (a controller's own body, e.g. a health check's, is left alone) and Orion's error shape
 * over RPC transports.
 *
 * @publicApi
 */
@Catch(NotFoundException)
export class UnknownRouteFilter extends BaseExceptionFilter {
  private readonly rpcFilter = new ProtocolExceptionFilter();

  constructor(applicationRef: HttpServer) {
    super(applicationRef);
  }

  override catch(exception: NotFoundException, host: ArgumentsHost): unknown {
    if (host.getType<string>() !== 'http') return this.rpcFilter.catch(exception, host);
    const http = host.switchToHttp();
    const request = http.getRequest<Request>();
    const response = http.getResponse<Response>();
    // NOTE: Nest's catch-all route throws exactly this message; a handler's own 404 differs.
    const isUnmatched = exception.message === `Cannot ${request.method} ${request.originalUrl ?? request.url}`;
    if (!isUnmatched || response.headersSent) return super.catch(exception, host);
    response.status(404).json(toProtocolError(exception).toJSON());
    return undefined;
  }
}
