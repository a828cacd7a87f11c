import * as grpc from '@grpc/grpc-js';
import type { ProtocolError } from '../../errors/protocol.error';
import type { CallCallback } from '../client-shell.util';
import { decodeJsonMessage } from './grpc-json-message.codec';
import { toGrpcClientError } from './grpc-client-error.util';
import { replyValue } from './grpc-client-payload.util';

/** The grpc-js channel call under a `Client` (`Channel#createCall`), what `GrpcClient` drives directly. @internal */
export type GrpcChannelCall = ReturnType<grpc.ChannelInterface['createCall']>;

/**
 * One `GrpcClient` call in flight, and the listener of its grpc-js channel call: the one object
 * a call allocates on our side. It does what `Client#makeUnaryRequest` does around the channel
 * call (one reply expected, decoded as it arrives, the status decides), without its per-call
 * interceptor chain, event emitter, wrapper listeners and captured caller stack.
 *
 * @internal
 */
export class GrpcUnaryCall implements grpc.InterceptingListener {
  /** The grpc-js call, once started (a call made while the channel opens starts later). */
  handle: GrpcChannelCall | undefined = undefined;
  isDone = false;
  /** The reply's JSON text, once received. */
  private reply: string | undefined = undefined;
  /** Why the reply could not be read; reported instead of the status it causes. */
  private readError: grpc.StatusObject | undefined = undefined;

  constructor(
    readonly id: number,
    readonly done: CallCallback,
    private readonly table: GrpcUnaryCalls,
  ) {}

  onReceiveMetadata(): void {
    // NOTE: response headers carry nothing Orion reads; errors travel in the trailers.
  }

  onReceiveMessage(message: Buffer): void {
    if (this.reply !== undefined || this.readError !== undefined) {
      // A unary method answers once (grpc-js's own check, same status).
      this.handle?.cancelWithStatus(grpc.status.UNIMPLEMENTED, 'Too many responses received');
      return;
    }
    try {
      this.reply = decodeJsonMessage(message);
    } catch (error) {
      const details = `Response message parsing error: ${(error as Error).message}`;
      this.readError = { code: grpc.status.INTERNAL, details, metadata: new grpc.Metadata() };
      this.handle?.cancelWithStatus(grpc.status.INTERNAL, details);
    }
  }

  onReceiveStatus(status: grpc.StatusObject): void {
    if (this.isDone) return;
    const failed = this.readError ?? (status.code === grpc.status.OK ? undefined : status);
    if (failed !== undefined) return void this.table.settle(this, toGrpcClientError(failed));
    if (this.reply === undefined) {
      return void this.table.settle(
        this,
        toGrpcClientError({ code: grpc.status.UNIMPLEMENTED, details: 'No message received', metadata: status.metadata }),
      );
    }
    let value: unknown;
    try {
      value = replyValue(this.reply);
    } catch (failure) {
      return void this.table.settle(this, failure as ProtocolError);
    }
    this.table.settle(this, undefined, value);
  }

  /** Cancels the grpc-js call (the server sees it cancelled); its status then finds the call done. */
  cancelHandle(): void {
    this.handle?.cancelWithStatus(grpc.status.CANCELLED, 'Cancelled on client');
  }
}

/**
 * The calls of a `GrpcClient` in flight, by id: one `GrpcUnaryCall` and one `Map` entry per
 * call, for `cancel(id)` and for `close()` to end them.
 *
 * @internal
 */
export class GrpcUnaryCalls {
  private readonly calls = new Map<number, GrpcUnaryCall>();
  private nextId = 0;

  add(done: CallCallback): GrpcUnaryCall {
    const id = (this.nextId = this.nextId === 0x7fffffff ? 1 : this.nextId + 1);
    const call = new GrpcUnaryCall(id, done, this);
    this.calls.set(id, call);
    return call;
  }

  /** Ends `call` once with `error` or `value`; false when it had already ended (cancelled, closed). */
  settle(call: GrpcUnaryCall, error: Parameters<CallCallback>[0], value?: unknown): boolean {
    if (call.isDone) return false;
    call.isDone = true;
    this.calls.delete(call.id);
    call.done(error, value);
    return true;
  }

  /** Forgets call `id` without calling it back (its caller cancelled) and cancels its grpc-js call. */
  cancel(id: number): void {
    const call = this.calls.get(id);
    if (call === undefined) return;
    call.isDone = true;
    this.calls.delete(id);
    call.cancelHandle();
  }

  /** Ends every call in flight with `error` and cancels it (the client closes). */
  failAll(error: Parameters<CallCallback>[0]): void {
    const calls = [...this.calls.values()];
    this.calls.clear();
    for (const call of calls) {
      call.isDone = true;
      call.done(error);
      call.cancelHandle();
    }
  }
}
