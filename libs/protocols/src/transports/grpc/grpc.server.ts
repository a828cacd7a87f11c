import * as grpc from '@grpc/grpc-js';
import { ServerGrpc, type MessageHandler } from '@nestjs/microservices';
import { isObservable, map, Observable, of, throwError } from 'rxjs';
import { GRPC_DEFAULT_MAX_MESSAGE_BYTES } from '../../protocols.constants';
import { notJsonMessage, unserializableReplyMessage } from '../../protocols.messages';

const malformedMessage = () => 'request is not a valid JsonMessage protobuf';
import { ProtocolError } from '../../errors/protocol.error';
import { servesProtocol } from '../serves-protocol.util';
import { toGrpcStatus } from './grpc-status.util';
import { createProtocolMessage } from '../../context/protocol-message.factory';
import type { DirectHandler as DirectEndpoint, DirectHandlers as DirectEndpoints } from '../../interfaces/direct-dispatch.interface';
import { normalizeHeaders } from '../../utils/headers.util';
import type { TlsOptions } from '../../tls/tls.options';
import { joinPem, loadServerTls, type ServerTlsMaterial } from '../../tls/tls-material.util';

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
  /** Largest message received or sent (bytes). Default 4 MiB. */
  maxMessageBytes?: number;
  /** Serve over TLS; with `requestClientCert`, mutual TLS. Default: insecure. */
  tls?: TlsOptions;
}

/** What a request that is no valid `JsonMessage` protobuf deserializes to (see `tolerateMalformed`). */
const MALFORMED_REQUEST = Object.freeze({ json: undefined });

interface MethodDefinition {
  requestDeserialize?: (bytes: Buffer) => unknown;
}

/**
 * Makes the request deserializers of a generated-proto package definition return a marker
 * instead of throwing, so undecodable bytes get INVALID_ARGUMENT from the handler rather
 * than grpc-js's INTERNAL "Error deserializing request" (the client sent them, not us).
 */
function tolerateMalformed(definition: unknown): unknown {
  for (const service of Object.values(definition as Record<string, Record<string, MethodDefinition>>)) {
    for (const method of Object.values(service)) {
      const deserialize = method?.requestDeserialize;
      if (typeof deserialize !== 'function') continue;
      method.requestDeserialize = (bytes: Buffer) => {
        try {
          return deserialize(bytes);
        } catch {
          return MALFORMED_REQUEST;
        }
      };
    }
  }
  return definition;
}

function fail(error: ProtocolError): Observable<never> {
  return throwError(() => toGrpcStatus(error));
}

/** `JsonMessage` of a reply; a value JSON cannot encode (cycles, BigInt, deep nesting) is INTERNAL. */
function encodeReply(value: unknown): { json: string } {
  try {
    return { json: value === undefined ? '' : JSON.stringify(value) };
  } catch {
    throw toGrpcStatus(ProtocolError.internal(unserializableReplyMessage()));
  }
}

/** grpc-js server credentials of a TLS listener: one key pair, client certificates checked with `requestClientCert`. */
function sslCredentials(tls: ServerTlsMaterial): grpc.ServerCredentials {
  const rootCerts = tls.ca ? joinPem(tls.ca) : null;
  return grpc.ServerCredentials.createSsl(rootCerts, [{ private_key: tls.key, cert_chain: tls.cert }], tls.requestClientCert);
}

/**
 * Nest's gRPC transport that reports the port it bound (port 0 works), selects handlers
 * per protocol, and, with the generated proto, unwraps/wraps JSON payloads so handlers see
 * plain values. With `tls`, it serves over TLS (mutual TLS with `requestClientCert`).
 *
 * @publicApi
 */
export class GrpcServer extends ServerGrpc {
  private boundPort = 0;
  private readonly tls?: ServerTlsMaterial;
  private direct?: DirectEndpoints;

  constructor(private readonly grpcOptions: GrpcServerOptions) {
    super({
      url: `${grpcOptions.host}:${grpcOptions.port}`,
      package: grpcOptions.package,
      protoPath: grpcOptions.protoPath,
      packageDefinition: (grpcOptions.isJsonEnvelope
        ? tolerateMalformed(grpcOptions.packageDefinition)
        : grpcOptions.packageDefinition) as never,
      loader: { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true },
    });
    // Read now, so a missing file fails when the listener is built, naming the option.
    if (grpcOptions.tls) this.tls = loadServerTls(grpcOptions.tls, 'grpc.tls');
  }

  /** The direct handler path's endpoints (`startProtocols` sets them; generated proto only). @internal */
  useDirectEndpoints(direct: DirectEndpoints): void {
    this.direct = direct;
  }

  get port(): number {
    return this.boundPort;
  }

  override addHandler(pattern: unknown, callback: MessageHandler, isEventHandler?: boolean, extras?: Record<string, unknown>): void {
    // Only method patterns ({ service, rpc, streaming }); string patterns are for others.
    if (typeof pattern !== 'object' || pattern === null || !servesProtocol('grpc', extras)) return;
    const endpointPattern = (extras?.endpoint as { pattern?: unknown } | undefined)?.pattern;
    const handler = this.grpcOptions.isJsonEnvelope
      ? this.jsonHandler(callback, typeof endpointPattern === 'string' ? endpointPattern : undefined)
      : callback;
    super.addHandler(pattern, handler, isEventHandler);
  }

  override async createClient(): Promise<grpc.Server> {
    const max = this.grpcOptions.maxMessageBytes ?? GRPC_DEFAULT_MAX_MESSAGE_BYTES;
    const server = new grpc.Server({ 'grpc.max_receive_message_length': max, 'grpc.max_send_message_length': max });
    this.boundPort = await new Promise<number>((resolve, reject) =>
      server.bindAsync(
        `${this.grpcOptions.host}:${this.grpcOptions.port}`,
        this.tls ? sslCredentials(this.tls) : grpc.ServerCredentials.createInsecure(),
        (error, port) => (error ? reject(error) : resolve(port)),
      ),
    );
    return server;
  }

  private jsonHandler(callback: MessageHandler, pattern: string | undefined): MessageHandler {
    const wrapped = (async (request: { json?: unknown }, ...rest: unknown[]) => {
      if (request === MALFORMED_REQUEST) return fail(ProtocolError.invalidArgument(malformedMessage()));
      let payload: unknown;
      try {
        payload = typeof request?.json === 'string' && request.json !== '' ? JSON.parse(request.json) : undefined;
      } catch {
        return fail(ProtocolError.invalidArgument(notJsonMessage('JsonMessage.json')));
      }
      const direct = pattern === undefined ? undefined : this.direct?.find('grpc', pattern, callback);
      if (direct && pattern !== undefined) return this.runDirect(direct, pattern, payload, rest[0], rest[1]);
      let result: unknown;
      try {
        result = await callback(payload, ...rest);
      } catch {
        // NOTE: Nest's unary method does not catch a rejected handler: it would surface as
        // an unhandled rejection. The endpoint filter already logged anything it saw.
        return fail(ProtocolError.internal());
      }
      const result$ = isObservable(result) ? result : of(result);
      return result$.pipe(map(encodeReply));
    }) as MessageHandler;
    return wrapped;
  }

  /** The direct handler path: the reply (last value) or the error as the filter would give it. */
  private runDirect(
    direct: DirectEndpoint,
    pattern: string,
    payload: unknown,
    metadata: unknown,
    call: unknown,
  ): Observable<{ json: string }> {
    return new Observable((subscriber) => {
      const headers = normalizeHeaders(metadata instanceof grpc.Metadata ? metadata.getMap() : undefined);
      const raw = (call as { getDeadline?: () => Date | number } | undefined)?.getDeadline?.();
      const deadline = raw instanceof Date ? raw.getTime() : raw;
      const grpcDeadline = typeof deadline === 'number' && Number.isFinite(deadline) ? deadline : undefined;
      const message = createProtocolMessage({ protocol: 'grpc', payload, headers, grpcDeadline }, pattern, direct.isEvent);
      let last: unknown;
      direct.run(
        message,
        {
          next: (value) => (last = value),
          complete: () => {
            let reply: { json: string };
            try {
              reply = encodeReply(last);
            } catch (error) {
              return subscriber.error(error);
            }
            subscriber.next(reply);
            subscriber.complete();
          },
          error: (body, error) => subscriber.error(toGrpcStatus(error, body)),
        },
        () => metadata,
      );
    });
  }
}
