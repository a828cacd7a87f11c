import { ProtocolError } from '../errors/protocol.error';
import { MAX_CALL_TIMEOUT_MS } from '../utils/deadline.util';

/**
 * How a call ends: `(undefined, value)` with its reply, `(error)` with a `ProtocolError`.
 * Called exactly once per call, possibly before `call()` returns (a request that cannot be
 * encoded, a client already closed).
 */
export type CallCallback = (error: ProtocolError | undefined, value?: unknown) => void;

/** Connection status of an Orion transport client, as `client.status` reports it. */
export type ClientStatus = 'connected' | 'disconnected';

/** One call waiting for its reply. @internal */
export class PendingCall {
  /** The last value a streamed reply carried. */
  value: unknown = undefined;

  constructor(
    readonly id: number,
    readonly deadline: number,
    readonly pattern: string,
    readonly done: CallCallback,
  ) {}
}

/**
 * The calls of one client waiting for replies, by numeric id, with ONE sweep timer for every
 * deadline instead of a timer per call: the timer is armed for the earliest deadline; when it
 * fires it ends the calls that are due with DEADLINE_EXCEEDED and re-arms for the next. With
 * equal timeouts a new call never moves it, so a call costs a `Map` insert and delete; the
 * timer stays armed when the table empties (one call at a time would otherwise set and clear
 * a timer per call), and is unref'd: the socket of a call in flight keeps the process alive.
 *
 * @internal
 */
export class PendingCalls {
  private readonly calls = new Map<number, PendingCall>();
  private nextId = 1;
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;

  get size(): number {
    return this.calls.size;
  }

  /** Registers a call; returns it (its `id` goes on the wire). */
  add(deadline: number, pattern: string, done: CallCallback): PendingCall {
    const id = this.nextId;
    this.nextId = id === 0x7fffffff ? 1 : id + 1;
    const call = new PendingCall(id, deadline, pattern, done);
    this.calls.set(id, call);
    if (deadline < this.timerAt) this.arm(deadline);
    return call;
  }

  get(id: number): PendingCall | undefined {
    return this.calls.get(id);
  }

  /** Ends call `id` (if still pending) with `error` or `value`. */
  settle(id: number, error: ProtocolError | undefined, value?: unknown): void {
    const call = this.calls.get(id);
    if (call === undefined) return;
    this.calls.delete(id);
    call.done(error, value);
  }

  /** Forgets call `id` without calling it back (its caller cancelled). */
  drop(id: number): void {
    this.calls.delete(id);
  }

  /** Ends every pending call with the error `errorOf` gives for it. */
  failAll(errorOf: (call: PendingCall) => ProtocolError): void {
    const calls = [...this.calls.values()];
    this.calls.clear();
    this.disarm();
    for (const call of calls) call.done(errorOf(call));
  }

  private arm(at: number): void {
    clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => this.sweep(), Math.min(Math.max(0, at - Date.now()), MAX_CALL_TIMEOUT_MS));
    this.timer.unref();
  }

  private disarm(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
  }

  private sweep(): void {
    this.timer = undefined;
    this.timerAt = Infinity;
    const now = Date.now();
    let next = Infinity;
    const due: PendingCall[] = [];
    for (const call of this.calls.values()) {
      if (call.deadline <= now) due.push(call);
      else if (call.deadline < next) next = call.deadline;
    }
    for (const call of due) this.calls.delete(call.id);
    if (next !== Infinity) this.arm(next);
    for (const call of due) call.done(ProtocolError.deadlineExceeded(`'${call.pattern}' got no reply in time`));
  }
}
