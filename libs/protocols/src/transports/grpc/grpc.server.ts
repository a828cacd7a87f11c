import * as grpc from '@grpc/grpc-js';
import { ServerGrpc, type MessageHandler } from '@nestjs/microservices';
import { isObservable, map, of, throwError, type Observable } from 'rxjs';
import { STATUS_CODES } from '../../errors/status-code';
import { servesProtocol } from '../serves-protocol.util';

/** @publicApi */
export interface GrpcServerOptions {
  host: string;
  port: number;
  package: string;
  /** Exactly one of protoPath / packageDefinition. */
  protoPath?: string | string[];
  packageDefinition?: unknown;
  /** Payloads travel as `JsonMessage { json }` (generated proto). */
  isJsonEnvelope: boolean;
  maxMessageBytes?: number;
}

function invalidJson(): Observable<never> {
  return throwError(() => ({
    code: STATUS_CODES.INVALID_ARGUMENT,
    details: 'JsonMessage.json is not valid JSON',
  }));
}

/**
 * Nest's gRPC transport that reports the port it bound (port 0 works), selects handlers
 * per protocol, and, with the generated proto, unwraps/wraps JSON payloads so handlers see
 * plain values.
 *
 * @publicApi
 */
export class GrpcServer extends ServerGrpc {
  private boundPort = 0;

  constructor(private readonly grpcOptions: GrpcServerOptions) {
    super({
      url: `${grpcOptions.host}:${grpcOptions.port}`,
      package: grpcOptions.package,
      protoPath: grpcOptions.protoPath,
      packageDefinition: grpcOptions.packageDefinition as never,
      loader: { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true },
    });
  }

  get port(): number {
    return this.boundPort;
  }

  override addHandler(pattern: unknown, callback: MessageHandler, isEventHandler?: boolean, extras?: Record<string, unknown>): void {
    // Only method patterns ({ service, rpc, streaming }); string patterns are for others.
    if (typeof pattern !== 'object' || pattern === null || !servesProtocol('grpc', extras)) return;
    const handler = this.grpcOptions.isJsonEnvelope ? this.jsonHandler(callback) : callback;
    super.addHandler(pattern, handler, isEventHandler);
  }

  override async createClient(): Promise<grpc.Server> {
    const max = this.grpcOptions.maxMessageBytes ?? 4 * 1024 * 1024;
    const server = new grpc.Server({ 'grpc.max_receive_message_length': max, 'grpc.max_send_message_length': max });
    this.boundPort = await new Promise<number>((resolve, reject) =>
      server.bindAsync(`${this.grpcOptions.host}:${this.grpcOptions.port}`, grpc.ServerCredentials.createInsecure(), (error, port) =>
        error ? reject(error) : resolve(port),
      ),
    );
    return server;
  }

  private jsonHandler(callback: MessageHandler): MessageHandler {
    const wrapped = (async (request: { json?: unknown }, ...rest: unknown[]) => {
      let payload: unknown;
      try {
        payload = typeof request?.json === 'string' && request.json !== '' ? JSON.parse(request.json) : undefined;
      } catch {
        return invalidJson();
      }
      const result: unknown = await callback(payload, ...rest);
      const result$ = isObservable(result) ? result : of(result);
      return result$.pipe(map((value) => ({ json: value === undefined ? '' : JSON.stringify(value) })));
    }) as MessageHandler;
    return wrapped;
  }
}
