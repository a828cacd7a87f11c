import * as grpc from '@grpc/grpc-js';
import { ClientProxy, type ReadPacket, type WritePacket } from '@nestjs/microservices';
import { defer, mergeMap, Observable } from 'rxjs';
import { CLIENT_DEFAULT_TIMEOUT_MS, GRPC_DEFAULT_MAX_MESSAGE_BYTES, GRPC_DEFAULT_PACKAGE } from '../../protocols.constants';
import type { CallOptions } from '../../interfaces/client-options.interface';
import { outgoingDeadline, outgoingHeaders } from '../../context/outgoing-headers.util';
import { ProtocolError } from '../../errors/protocol.error';
import { NOT_SENT_DETAILS, toClientError } from '../client-call.util';
import type { CallCallback } from '../client-shell.util';
import { createPacket } from '../nest-compat.util';
import { callByDeadline, resolveClientTimeout, startEagerly, withOutgoingHeaders } from '../client-emit.util';
import { ClientStatus, observeCall } from '../client-shell.util';
import { CLIENT_CLOSED, CLIENT_CONNECT_FAILED, CLIENT_INVALID_OPTION, CLIENT_NOT_CONNECTED, GRPC_UNKNOWN_METHOD } from '../client.messages';
import type { GrpcClientMethod, GrpcClientOptions } from './grpc-client.options';
import { encodeJsonMessage } from './grpc-json-message.codec';
import { GrpcUnaryCalls, type GrpcChannelCall, type GrpcUnaryCall } from './grpc-unary-calls.util';
import { callMetadata, requestJson } from './grpc-client-payload.util';
import { joinPem, loadClientTls, type ClientTlsMaterial } from '../../tls/tls-material.util';

const CLIENT_NAME = 'GrpcClient';
const MAX_CACHED_PATHS = 1024;
/** A proto identifier: a service or method name. */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** A pattern that names its method directly: `Service/Method`. */
const SERVICE_METHOD = /^([A-Za-z_][A-Za-z0-9_]*)\/([A-Za-z_][A-Za-z0-9_]*)$/;
/** The write context of every request message: no flags, no write callback (grpc-js only reads it). */
const SEND_CONTEXT = Object.freeze({});

/**
 * A Nest `ClientProxy` for `GrpcServer` with the generated JSON proto: every pattern is a
 * unary call of `JsonMessage { string json = 1; }`, encoded by hand, so no .proto file is
 * read. One grpc-js channel per client, opened by `connect()` and closed by `close()`.
 *
 * - Patterns map to methods through `methods`, or are written `Service/Method`; any other
 *   pattern fails with NOT_FOUND before anything is sent.
 * - Orion headers and per-call headers travel as call metadata; the deadline is the
 *   call's native gRPC deadline (`timeoutMs`, cut short by the current request's deadline).
 * - Calls do not wait for a connection (`waitForReady: false`): an unreachable server is
 *   UNAVAILABLE with `isRequestSent: false`. Failures arrive as `ProtocolError` with the
 *   server's code, message and details (from the `x-orion-error` trailer).
 * - `emit` is a unary call whose reply is ignored; it completes once the handler ran.
 * - With `tls`, the channel uses `grpc.credentials.createSsl(ca, key, cert)`: an untrusted
 *   server or a refused client certificate is UNAVAILABLE, naming the TLS reason.
 *
 * @publicApi
 */
export class GrpcClient extends ClientProxy<Record<never, Function>, ClientStatus> {
  private readonly url: string;
  private readonly packageName: string;
  private readonly timeoutMs: number;
  private readonly tls?: ClientTlsMaterial;
  private readonly methods = new Map<string, GrpcClientMethod>();
  /** Method paths of the patterns called so far (up to MAX_CACHED_PATHS): a call builds no path string. */
  private readonly paths = new Map<string, string>();
  /** Every call in flight (`call()`, `send`, `emit`, `publish`), for `cancel` and `close`. */
  private readonly unary = new GrpcUnaryCalls();
  private client?: grpc.Client;
  /** The client's channel, where calls are made (`Channel#createCall`). */
  private channel?: grpc.ChannelInterface;
  private connection?: Promise<grpc.Client>;

  constructor(options: GrpcClientOptions) {
    super();
    if (typeof options.url !== 'string' || options.url === '')
      throw new TypeError(CLIENT_INVALID_OPTION(CLIENT_NAME, 'url', "'host:port'"));
    const packageName = options.package ?? GRPC_DEFAULT_PACKAGE;
    if (!packageName.split('.').every((part) => IDENTIFIER.test(part))) {
      throw new TypeError(CLIENT_INVALID_OPTION(CLIENT_NAME, 'package', 'a proto package name'));
    }
    for (const [pattern, method] of Object.entries(options.methods ?? {})) {
      if (!IDENTIFIER.test(method?.service) || !IDENTIFIER.test(method?.method)) {
        throw new TypeError(CLIENT_INVALID_OPTION(CLIENT_NAME, `methods['${pattern}']`, '{ service, method } with proto identifiers'));
      }
      this.methods.set(pattern, { service: method.service, method: method.method });
    }
    this.url = options.url;
    this.packageName = packageName;
    this.timeoutMs = resolveClientTimeout(CLIENT_NAME, options.timeoutMs, CLIENT_DEFAULT_TIMEOUT_MS);
    if (options.tls) this.tls = loadClientTls(options.tls, 'tls');
  }

  /** Opens the channel (it connects on the first call). Memoised; reset by `close`. */
  connect(): Promise<grpc.Client> {
    if (this.connection) return this.connection;
    let client: grpc.Client;
    try {
      client = this.createClient(this.url);
    } catch (error) {
      // NOTE: grpc-js refuses a target it cannot parse at once; that is a configuration error.
      return Promise.reject(ProtocolError.invalidArgument(CLIENT_CONNECT_FAILED(CLIENT_NAME, this.url, (error as Error).message)));
    }
    this.client = client;
    this.channel = client.getChannel();
    this.connection = Promise.resolve(client);
    this._status$.next(ClientStatus.CONNECTED);
    return this.connection;
  }

  /** Closes the channel. Idempotent. Calls in flight end with UNAVAILABLE. */
  close(): void {
    const client = this.client;
    this.client = undefined;
    this.channel = undefined;
    this.connection = undefined;
    this.unary.failAll(ProtocolError.unavailable(CLIENT_CLOSED(CLIENT_NAME)));
    if (!client) return;
    client.close();
    this._status$.next(ClientStatus.DISCONNECTED);
  }

  /** The grpc-js `Client` (its channel: `getChannel()`). */
  unwrap<T>(): T {
    if (!this.client) throw new Error(CLIENT_NOT_CONNECTED(CLIENT_NAME));
    return this.client as T;
  }

  /**
   * The promise-free fast path of the balanced clients: calls `done` once with the reply or a
   * `ProtocolError`; returns an id for `cancel`. The deadline is grpc-js's own (no timer here).
   * One object per call (`GrpcUnaryCall`, in the `GrpcUnaryCalls` table) that is also the
   * listener of the channel's call; the reply decoded straight to the value.
   */
  call(pattern: string, data: unknown, options: CallOptions | undefined, done: CallCallback): number {
    const deadline = outgoingDeadline(resolveClientTimeout(CLIENT_NAME, options?.timeoutMs, this.timeoutMs));
    const headers = outgoingHeaders(deadline, options?.headers);
    const call = this.unary.add(done);
    if (this.channel) this.startUnary(call, pattern, data, headers, deadline);
    else
      this.connect().then(
        () => this.startUnary(call, pattern, data, headers, deadline),
        (error: unknown) => this.unary.settle(call, toClientError(error)),
      );
    return call.id;
  }

  cancel(id: number): void {
    this.unary.cancel(id);
  }

  private startUnary(
    call: GrpcUnaryCall,
    pattern: string,
    data: unknown,
    headers: Record<string, unknown> | undefined,
    deadline: number,
  ): void {
    if (call.isDone) return;
    const channel = this.channel;
    let handle: GrpcChannelCall;
    let message: Buffer;
    let metadata: grpc.Metadata;
    try {
      if (!channel) throw ProtocolError.unavailable(CLIENT_NOT_CONNECTED(CLIENT_NAME), NOT_SENT_DETAILS);
      const path = this.methodPath(pattern);
      message = encodeJsonMessage(requestJson(pattern, data));
      metadata = callMetadata(headers, deadline);
      handle = channel.createCall(path, deadline, undefined, null, undefined);
    } catch (error) {
      this.unary.settle(call, toClientError(error));
      return;
    }
    // The steps of `Client#makeUnaryRequest`, in its order, on the channel's call: no
    // interceptors are configured, so its per-call wrappers would only pass things through.
    call.handle = handle;
    handle.start(metadata, call);
    handle.startRead();
    handle.sendMessageWithContext(SEND_CONTEXT, message);
    handle.halfClose();
  }

  /**
   * Calls the method of `pattern` and emits its reply (`null` for none): `call()` per
   * subscription, cancelled on unsubscribe (as `TcpClient#send`).
   */
  override send<TResult = unknown, TInput = unknown>(pattern: string, data: TInput, options?: CallOptions): Observable<TResult> {
    return observeCall<TResult>(
      (done) => this.call(pattern, data, options, done),
      (id) => this.cancel(id),
    );
  }

  /** Calls the method of `pattern` and ignores its reply; completes once the handler ran. */
  override emit<TResult = unknown, TInput = unknown>(pattern: string, data: TInput, options: CallOptions = {}): Observable<TResult> {
    return startEagerly(
      callByDeadline(CLIENT_NAME, pattern, options.timeoutMs, this.timeoutMs, (deadline) => {
        const packet = withOutgoingHeaders(createPacket(this, pattern, data), deadline, options.headers);
        return defer(() => this.connect()).pipe(mergeMap(() => this.callIgnoringReply<TResult>(packet, deadline)));
      }),
    );
  }

  /**
   * Builds the grpc-js client; the seam for tests and for TLS credentials or channel options.
   * Calls are made on its channel (`getChannel().createCall`), so client-level interceptors
   * and a `callInvocationTransformer` given here are not applied.
   */
  protected createClient(url: string): grpc.Client {
    const tls = this.tls;
    const credentials = tls
      ? grpc.credentials.createSsl(tls.ca ? joinPem(tls.ca) : null, tls.key, tls.cert, {
          rejectUnauthorized: tls.rejectUnauthorized,
        })
      : grpc.credentials.createInsecure();
    return new grpc.Client(url, credentials, {
      'grpc.max_receive_message_length': GRPC_DEFAULT_MAX_MESSAGE_BYTES,
      'grpc.max_send_message_length': GRPC_DEFAULT_MAX_MESSAGE_BYTES,
      // The name the server's certificate must carry, when it is not the target's host.
      ...(tls?.servername ? { 'grpc.ssl_target_name_override': tls.servername, 'grpc.default_authority': tls.servername } : {}),
    });
  }

  protected publish(packet: ReadPacket, callback: (packet: WritePacket) => void): () => void {
    // NOTE: Nest's own `send` path, kept for subclasses; `send` above adds per-call options.
    const deadline = outgoingDeadline(this.timeoutMs);
    return this.startCall(withOutgoingHeaders(packet, deadline), deadline, callback);
  }

  protected dispatchEvent<T = unknown>(packet: ReadPacket): Promise<T> {
    const deadline = outgoingDeadline(this.timeoutMs);
    return this.callIgnoringReply<T>(withOutgoingHeaders(packet, deadline), deadline);
  }

  private callIgnoringReply<T>(packet: ReadPacket, deadline: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.startCall(packet, deadline, ({ err }) => (err ? reject(err) : resolve(undefined as T)));
    });
  }

  /** The full method path of a pattern: `/<package>.<Service>/<Method>`. */
  private methodPath(pattern: string): string {
    const known = this.paths.get(pattern);
    if (known !== undefined) return known;
    const direct = SERVICE_METHOD.exec(pattern);
    const method = this.methods.get(pattern) ?? (direct ? { service: direct[1], method: direct[2] } : undefined);
    if (!method) throw ProtocolError.notFound(GRPC_UNKNOWN_METHOD(pattern), { pattern });
    const path = `/${this.packageName}.${method.service}/${method.method}`;
    if (this.paths.size < MAX_CACHED_PATHS) this.paths.set(pattern, path);
    return path;
  }

  /**
   * Starts one unary call of Nest's packet shape (`send`, `emit`, `publish`) on the same call
   * table as `call()`; returns the teardown (cancels a call still running, no callback).
   */
  private startCall(packet: ReadPacket, deadline: number, callback: (packet: WritePacket) => void): () => void {
    const call = this.unary.add((err, response) =>
      callback(err === undefined ? { response, isDisposed: true } : { err, isDisposed: true }),
    );
    this.startUnary(call, String(packet.pattern), packet.data, packet.metadata as Record<string, unknown> | undefined, deadline);
    return () => this.unary.cancel(call.id);
  }
}
