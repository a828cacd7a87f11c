import { HTTP_STATUS_BY_CODE, STATUS_CODES, type StatusCode } from './status-code';

/**
 * The wire form of an error on every protocol (HTTP body, RPC error object, WebSocket
 * error frame, gRPC `x-orion-error` trailer).
 *
 * @publicApi
 */
export interface ProtocolErrorBody {
  /** Canonical code name, e.g. `NOT_FOUND`. */
  code: StatusCode;
  /** gRPC numeric status of `code`. */
  status: number;
  message: string;
  details?: unknown;
  correlationId?: string;
}

/**
 * The one error type of Orion Mesh, carrying a gRPC canonical code. Throw it from any
 * handler; each protocol receives its native form.
 *
 * @publicApi
 */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';

  constructor(
    readonly code: StatusCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }

  /** gRPC numeric status. */
  get status(): number {
    return STATUS_CODES[this.code];
  }

  /** HTTP status for this code. */
  get httpStatus(): number {
    return HTTP_STATUS_BY_CODE[this.code];
  }

  toJSON(correlationId?: string): ProtocolErrorBody {
    const body: ProtocolErrorBody = { code: this.code, status: this.status, message: this.message };
    if (this.details !== undefined) body.details = this.details;
    if (correlationId) body.correlationId = correlationId;
    return body;
  }

  static invalidArgument(message: string, details?: unknown): ProtocolError {
    return new ProtocolError('INVALID_ARGUMENT', message, details);
  }
  static notFound(message: string, details?: unknown): ProtocolError {
    return new ProtocolError('NOT_FOUND', message, details);
  }
  static deadlineExceeded(message = 'deadline exceeded'): ProtocolError {
    return new ProtocolError('DEADLINE_EXCEEDED', message);
  }
  static unavailable(message: string, details?: unknown): ProtocolError {
    return new ProtocolError('UNAVAILABLE', message, details);
  }
  static internal(message = 'internal error'): ProtocolError {
    return new ProtocolError('INTERNAL', message);
  }
}
