import type * as grpc from '@grpc/grpc-js';
import type { CallCallback } from '../client-shell.util';

/** One `GrpcClient.call()` in flight. @internal */
export interface GrpcUnaryCall {
  readonly id: number;
  readonly done: CallCallback;
  /** The grpc-js call, once started (a call made while the channel opens starts later). */
  handle: grpc.ClientUnaryCall | undefined;
  isDone: boolean;
}

/**
 * The calls of `GrpcClient.call()` in flight, by id: one plain object and one `Map` entry per
 * call, for `cancel(id)` and for `close()` to end them (the call path used to hold a cancel
 * closure in a map and an entry with two more closures in a set).
 *
 * @internal
 */
export class GrpcUnaryCalls {
  private readonly calls = new Map<number, GrpcUnaryCall>();
  private nextId = 0;

  add(done: CallCallback): GrpcUnaryCall {
    const id = (this.nextId = this.nextId === 0x7fffffff ? 1 : this.nextId + 1);
    const call: GrpcUnaryCall = { id, done, handle: undefined, isDone: false };
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
    call.handle?.cancel();
  }

  /** Ends every call in flight with `error` and cancels it (the client closes). */
  failAll(error: Parameters<CallCallback>[0]): void {
    const calls = [...this.calls.values()];
    this.calls.clear();
    for (const call of calls) {
      call.isDone = true;
      call.done(error);
      call.handle?.cancel();
    }
  }
}
